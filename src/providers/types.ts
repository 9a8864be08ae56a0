/**
 * A ResourceProvider per kind, in the shape of Pulumi's `dynamic.ResourceProvider`, so that the
 * built-in reconciler and `pulumi up` call the very same code (docs/architecture.md#data-flow). Providers are created for
 * one session: a store transaction and the context every write records.
 */
import type { ResourceKind } from "../model/resources.ts";
import type { StoreTransaction, WriteContext } from "../store/resources.ts";

export interface CheckFailure {
  property: string;
  reason: string;
}

export interface CheckResult<I> {
  inputs?: I;
  failures?: CheckFailure[];
}

export interface DiffResult {
  changes?: boolean;
  /** Properties whose change forces a replacement (delete + create), e.g. a scope's name. */
  replaces?: string[];
  stables?: string[];
  deleteBeforeReplace?: boolean;
}

export interface CreateResult<O> {
  id: string;
  outs?: O;
}

export interface ReadResult<O> {
  id?: string;
  props?: O;
}

export interface UpdateResult<O> {
  outs?: O;
}

export interface ResourceProvider<I = unknown, O = I> {
  check?(olds: I, news: I): Promise<CheckResult<I>>;
  diff?(id: string, olds: O, news: I): Promise<DiffResult>;
  create(inputs: I): Promise<CreateResult<O>>;
  read?(id: string, props?: O): Promise<ReadResult<O>>;
  update?(id: string, olds: O, news: I): Promise<UpdateResult<O>>;
  delete?(id: string, props: O): Promise<void>;
}

/** A secret made by a create, shown to the operator once and never stored in clear. */
export interface OneTimeSecret {
  kind: ResourceKind;
  id: string;
  /** e.g. `clientSecret`, `apiKey`. */
  field: string;
  value: string;
}

export interface ProviderSession {
  tx: StoreTransaction;
  ctx: WriteContext;
  /** Receives generated secrets; the CLI prints them once or writes them to --secrets-out. */
  onSecret(secret: OneTimeSecret): void;
}
