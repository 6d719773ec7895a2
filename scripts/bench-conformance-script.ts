/**
 * The tutorial's commands as a reader would paste them, with the run's names and endpoint from
 * the environment (ENDPOINT, DOMAIN, PROJECT): the bare script of `npm run bench:conformance`,
 * and the commands of its Playwright-only line (scripts/bench-floor/).
 */
export const TUTORIAL_SHELL_VARIABLES = `E="--endpoint-url $ENDPOINT"
D="$DOMAIN"`;

export const TUTORIAL_COMMANDS: readonly string[] = [
  'aws --version',
  'npm --version',
  'aws sts get-caller-identity $E',
  'aws codeartifact create-domain --domain $D $E',
  'aws codeartifact create-repository --domain $D --domain-owner 000000000000 --repository my-repo $E',
  'aws codeartifact create-repository --domain $D --domain-owner 000000000000 --repository npm-store $E',
  'aws codeartifact associate-external-connection --domain $D --domain-owner 000000000000 --repository npm-store --external-connection "public:npmjs" $E',
  'aws codeartifact update-repository --repository my-repo --domain $D --domain-owner 000000000000 --upstreams repositoryName=npm-store $E',
  'aws codeartifact login --tool npm --repository my-repo --domain $D --domain-owner 000000000000 $E',
  'cd "$PROJECT" && npm install --save-dev lodash',
  'aws codeartifact list-packages --domain $D --repository my-repo $E',
  'aws codeartifact delete-repository --domain $D --domain-owner 000000000000 --repository my-repo $E',
  'aws codeartifact delete-repository --domain $D --domain-owner 000000000000 --repository npm-store $E',
  'aws codeartifact delete-domain --domain $D --domain-owner 000000000000 $E',
];

export const TUTORIAL_SCRIPT = `set -euo pipefail\n${TUTORIAL_SHELL_VARIABLES}\n${TUTORIAL_COMMANDS.join('\n')}\n`;
