/** The tutorial as data: what each step documents, how it is run on a target, what it must leave. */
import type { CodeartifactClient } from '@aws-sdk/client-codeartifact';
import type { CliRun } from '../helpers/cli.ts';

export interface RunNames {
  domain: string;
  myRepo: string;
  npmStore: string;
}

export interface Sandbox {
  home: string;
  /** The npm user config file the run's npm and `aws codeartifact login` write. */
  npmrc: string;
  /** The fresh project `npm install` runs in. */
  project: string;
}

export interface StepContext {
  names: RunNames;
  account: string;
  region: string;
  codeartifact: CodeartifactClient;
  sandbox: Sandbox;
  /** Values a step learned for later steps (endpoint, token expiry, latency). */
  memory: Record<string, string>;
  /** Secrets learned during the run, redacted from everything recorded. */
  secrets: string[];
}

export interface StepCommand {
  tool: 'aws' | 'npm';
  /** argv after the tool: run-scoped names, the real account id. */
  args: string[];
  /** Run in the sandbox's project folder. */
  inProject?: boolean;
}

export interface TutorialStep {
  id: string;
  /** Number and title in the tutorial's own words. */
  number: string;
  title: string;
  /** The command exactly as the tutorial documents it. */
  documented: string;
  command(ctx: StepContext): StepCommand;
  /** Reads what the command printed and remembers what later steps need. */
  read?(run: CliRun, ctx: StepContext): void;
  /** The state the step must leave; throws a plain-language error, or says what it checked. */
  check(ctx: StepContext, run: CliRun): Promise<string>;
}
