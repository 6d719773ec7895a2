/** The tutorial as data: what each step documents, how it is run on a target, what it must leave. */
import type { CodeartifactClient } from '@aws-sdk/client-codeartifact';
import type { CliRun } from '../helpers/run/cli.ts';
import type { LedgerResource } from '../helpers/run/ledger.ts';
import type { Sandbox } from '../helpers/run/sandbox.ts';
import type { DocumentedOutput } from '../helpers/evidence/compare.ts';

export interface RunNames {
  domain: string;
  myRepo: string;
  npmStore: string;
}

export interface StepContext {
  names: RunNames;
  account: string;
  region: string;
  codeartifact: CodeartifactClient;
  /** The run's sandbox: its npmrc is what npm and `aws codeartifact login` write; its project is fresh. */
  sandbox: Sandbox;
  /** How long an installed package may take to show in ListPackages. */
  visibilityLimitMs: number;
  /** Values a step learned for later steps (endpoint, token, timings). */
  memory: Record<string, string>;
  /** Secrets learned during the run, redacted from everything recorded. */
  secrets: string[];
  /** The kind of target (aws, emulator, endpoint): where a declared divergence applies. */
  target?: string;
}

/** AWS's sample output for a step, and which of the run's repositories the example's test-repo stands for. */
export interface StepDocumentedOutput extends DocumentedOutput {
  subject?: 'myRepo' | 'npmStore';
}

export interface StepCommand {
  /** `pm` is the package manager of the run's matrix cell (npm when there is none). */
  tool: 'aws' | 'npm' | 'pm';
  /** argv after the tool: run-scoped names, the real account id. */
  args: string[];
  /** Run in the sandbox's project folder. */
  inProject?: boolean;
  /** Run in this folder under the project (e.g. a workspace member). */
  inProjectSubfolder?: string;
  /** Give up after this long (the step fails, saying so). */
  timeoutMs?: number;
}

export interface TutorialStep {
  id: string;
  /** Number and title in the tutorial's own words ("Before you begin" for prerequisites). */
  number: string;
  title: string;
  /** The command exactly as the tutorial documents it. */
  documented: string;
  /** What a reader expects to have after the step, in plain words. */
  expectation: string;
  /** What AWS documents the command prints; absent where AWS documents no sample output. */
  documentedOutput?: StepDocumentedOutput;
  command(ctx: StepContext): StepCommand;
  /**
   * For a step that is not a command line (writing a config file by hand, as some package
   * managers' docs say): does it and returns a transcript of what it did.
   */
  perform?(ctx: StepContext): Promise<string>;
  /** Resources the step brings into existence (recorded before it runs, undone in reverse). */
  creates?(ctx: StepContext): LedgerResource[];
  /** Resources the step itself removes (the tutorial's clean-up). */
  removes?(ctx: StepContext): LedgerResource[];
  /** Reads what the command printed and remembers what later steps need. */
  read?(run: CliRun, ctx: StepContext): void;
  /** Checks the state the step must leave; throws a plain-language error, or says what it checked. */
  check(ctx: StepContext, run: CliRun): Promise<string>;
}

export interface Scenario {
  id: string;
  title: string;
  /** One letter that keeps this scenario's resource names apart from the others'. */
  code: string;
  steps: TutorialStep[];
}
