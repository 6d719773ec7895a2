/** The tutorial as data: what each step documents, how it is run on a target, what it must leave. */
import type { CodeartifactClient } from '@aws-sdk/client-codeartifact';
import type { CliRun } from '../helpers/cli.ts';

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
  /** Values a step learned for later steps (token, endpoint). */
  memory: Record<string, string>;
}

export interface TutorialStep {
  id: string;
  /** Number and title in the tutorial's own words. */
  number: string;
  title: string;
  /** The command exactly as the tutorial documents it. */
  documented: string;
  /** The same command for this run: run-scoped names, the real account id. argv after `aws`. */
  awsArgs(ctx: StepContext): string[];
  /** Reads what the command printed and remembers what later steps need. */
  read?(run: CliRun, ctx: StepContext): void;
  /** The state the step must leave, checked through the SDK; throws a plain-language error. */
  check(ctx: StepContext): Promise<string>;
}
