/**
 * How one API operation is declared: its route (method + path, as in the API model), where
 * each input member travels (query string, header or JSON body), the schema that validates
 * the merged input, and the handler. Routing, parsing, validation, signing and error
 * rendering live once, in the server pipeline around these declarations.
 */
import type { z } from 'zod';
import type { NpmUpstream } from '../npm/upstream.ts';
import type { BlobStore } from './blobs.ts';
import type { Faults } from './faults.ts';
import type { Quotas } from './quotas.ts';
import type { RegionState, Store } from './store.ts';
import type { TokenIssuer } from './tokens.ts';

export interface EmulatorSettings {
  accountId: string;
  /** Base URL clients reach the emulator at (scheme, host, port), used in endpoints. */
  baseUrl: () => string;
  /** Milliseconds before a version that came in through an external connection is listed. */
  ingestionDelayMs: () => number;
  /** AWS's default resource quotas, or the values given with --quota. */
  quotas: Quotas;
}

/** Everything that lives as long as the emulator, shared by the control and data planes. */
export interface Services {
  store: Store;
  tokens: TokenIssuer;
  blobs: BlobStore;
  faults: Faults;
  npmjs: NpmUpstream;
  settings: EmulatorSettings;
  /** Records that state changed; resolves once the change is on disk (with --data-dir). */
  changed: () => Promise<void>;
}

export interface RequestContext extends Services {
  region: string;
  /** The calling account: the only account that exists in the emulator. */
  account: string;
  state: RegionState;
  requestId: string;
}

export interface Operation<S extends z.ZodType = z.ZodType> {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** input member name -> query-string name */
  query?: Record<string, string>;
  /** input member name -> header name (lower case) */
  headers?: Record<string, string>;
  /** input member that receives the raw request body instead of JSON members */
  rawBody?: string;
  input: S;
  handler: (input: z.output<S>, ctx: RequestContext) => unknown | Promise<unknown>;
}

export function defineOperation<S extends z.ZodType>(op: Operation<S>): Operation {
  return op as unknown as Operation;
}

/** A handler's answer that is not JSON (package assets). */
export class RawResponse {
  constructor(
    readonly body: Buffer,
    readonly headers: Record<string, string>,
    readonly status = 200,
  ) {}
}
