/**
 * What a scopectl Pulumi resource carries: the inputs every dynamic resource of ours sends to its
 * provider, and the outputs the provider gives back. Plain JSON and relative paths only: Pulumi keeps
 * inputs and outputs in its state file, which may be shared or checked in.
 */
import type { ManagedBy, PropsByKind, ResourceKind } from "../model/resources.ts";

/** Pulumi config namespace and keys (`pulumi config set scopectl:store ...`). */
export const CONFIG_NAMESPACE = "scopectl";
export const DEFAULT_STORE = ".scopectl/store.db";
/**
 * The `store` input that means "the store `SCOPECTL_STORE` names where the provider runs": what the
 * state records when the store comes from the environment, so that a URL (and its password) never
 * lands in the state.
 */
export const STORE_FROM_ENV = "env:SCOPECTL_STORE";
export const DEFAULT_MANIFESTS = "config";

export interface PulumiInputs<K extends ResourceKind = ResourceKind> {
  /** The store id of the row (`<api>/<name>` for a scope). */
  resourceId: string;
  /** The row's props, as `scopectl plan` computes them (src/plan/desired-resources.ts). */
  props: PropsByKind[K];
  /**
   * The store: an SQLite file relative to the working directory of the process that runs the provider
   * (the project root under `pulumi up`; relative so that no absolute path of one machine lands in the
   * state), a postgres:// URL without a password (the password comes from PGPASSWORD), or
   * STORE_FROM_ENV (src/pulumi/store-input.ts).
   */
  store: string;
  /** The Pulumi stack: rows are written as managed by `pulumi:<stack>`. */
  stack: string;
  /** Write over rows that another manager (e.g. `scopectl apply`) holds, and make them ours. */
  takeOver?: boolean;
}

/** Secrets a create makes, returned once as outputs that the resource marks secret. */
export interface GeneratedSecretOutputs {
  /** Application with a generated secret. */
  clientSecret?: string;
  /** ApiKey: the key itself (the store keeps only its prefix and SHA-256). */
  apiKey?: string;
}

export type PulumiOutputs<K extends ResourceKind = ResourceKind> = PulumiInputs<K> & GeneratedSecretOutputs;

/** The output names that hold generated secrets, per kind (passed as `additionalSecretOutputs`). */
export const SECRET_OUTPUTS: { readonly [K in ResourceKind]: readonly (keyof GeneratedSecretOutputs)[] } = {
  Settings: [],
  Api: [],
  OpenApiSource: [],
  Scope: [],
  Role: [],
  User: [],
  Application: ["clientSecret"],
  ApiKey: ["apiKey"],
};

export function pulumiManager(stack: string): ManagedBy {
  return `pulumi:${stack}`;
}
