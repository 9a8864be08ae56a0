/**
 * The run-time implementation of scopectl's Pulumi dynamic providers. The text Pulumi serializes into
 * its state is only the shim (shim.ts), which loads this module by package name at every call
 * (`scopectl/pulumi/provider`): delete and refresh always run the installed scopectl, never the code of
 * the build that created the resource.
 *
 * Each call stands alone, as the dynamic-provider host may run it in any process: it opens the store
 * named in the inputs, runs at most one store transaction, and closes the store. The store writes
 * themselves are the providers of src/resources, the very code `scopectl apply` runs.
 */
import type { OpenApiSourceProps, ResourceKind } from "../model/resources.ts";
import { createProvider, diffProps } from "../providers/provider.ts";
import type { CheckResult, DiffResult, OneTimeSecret, ProviderSession } from "../providers/types.ts";
import { uriFailures } from "../providers/uri-checks.ts";
import { recordSourceImport } from "../store/import-records.ts";
import { openStore } from "../store/open.ts";
import type { StoreTransaction, WriteContext } from "../store/resources.ts";
import type { Store } from "../store/store.ts";
import { type PulumiInputs, type PulumiOutputs, pulumiManager } from "./inputs.ts";
import { assertWritable } from "./ownership.ts";
import { storeOfInput } from "./store-input.ts";

/** The dynamic host adds `__provider` (the serialized shim) to every input and output bag. */
type Bag<K extends ResourceKind> = PulumiOutputs<K> & { __provider?: string };

/** Everything but `__provider`: the host puts it back itself. */
function plain<K extends ResourceKind>(bag: Bag<K>): PulumiOutputs<K> {
  const { __provider: _, ...rest } = bag;
  return rest;
}

function writeContext(inputs: PulumiInputs): WriteContext {
  return { actor: "pulumi", managedBy: pulumiManager(inputs.stack) };
}

async function withStore<T>(inputs: PulumiInputs, fn: (store: Store) => Promise<T>): Promise<T> {
  // Relative to the working directory of the process running the provider (the project root).
  const store = await openStore(storeOfInput(inputs.store, process.cwd()));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** One store transaction around one provider call; collects the secrets a create makes. */
async function inTransaction<K extends ResourceKind, T>(
  kind: K,
  inputs: PulumiInputs<K>,
  fn: (tx: StoreTransaction, provider: ReturnType<typeof createProvider<K>>) => Promise<T>,
): Promise<{ result: T; secrets: OneTimeSecret[] }> {
  const ctx = writeContext(inputs);
  const secrets: OneTimeSecret[] = [];
  const { result } = await withStore(inputs, (store) =>
    store.transaction(
      async (tx) => {
        const session: ProviderSession = { tx, ctx, onSecret: (secret) => secrets.push(secret) };
        return fn(tx, createProvider(kind, session));
      },
      { ctx },
    ),
  );
  return { result, secrets };
}

/**
 * An OpenApiSource write is an import: it goes into the store's import history as `scopectl apply`
 * records it. The per-operation log needs the whole plan (which scopes it creates and deletes), which
 * one Pulumi resource does not see, so the log is left empty here.
 */
async function recordImport<K extends ResourceKind>(
  tx: StoreTransaction,
  kind: K,
  id: string,
  before: PulumiInputs<K>["props"] | undefined,
  after: PulumiInputs<K>["props"] | undefined,
): Promise<void> {
  if (kind !== "OpenApiSource") return;
  await recordSourceImport(
    tx,
    id,
    before as OpenApiSourceProps | undefined,
    after as OpenApiSourceProps | undefined,
    [],
  );
}

export async function check<K extends ResourceKind>(
  kind: K,
  _olds: Bag<K> | undefined,
  news: Bag<K>,
): Promise<CheckResult<PulumiInputs<K>>> {
  const failures: { property: string; reason: string }[] = [];
  if (typeof news?.resourceId !== "string" || news.resourceId === "")
    failures.push({ property: "resourceId", reason: `${kind} needs a resourceId` });
  if (typeof news?.props !== "object" || news.props === null)
    failures.push({ property: "props", reason: `${kind} needs props` });
  if (typeof news?.store !== "string" || news.store === "")
    failures.push({ property: "store", reason: "the store path is missing (Pulumi config scopectl:store)" });
  if (typeof news?.stack !== "string" || news.stack === "")
    failures.push({ property: "stack", reason: "the stack name is missing" });
  // The same URI rules as the manifests: a Pulumi program must not register a javascript: redirect URI.
  if (typeof news?.props === "object" && news.props !== null) {
    for (const failure of uriFailures(kind, news.props)) failures.push(failure);
  }
  return failures.length > 0 ? { failures } : { inputs: plain(news) };
}

/**
 * The same comparison `scopectl plan` makes (src/resources diffProps and the immutable fields), as
 * Pulumi paths into the inputs: a scope's new name replaces `props.name`. `store`, `stack` and `takeOver`
 * say where and how to write, not what: they never make a change by themselves.
 */
export async function diff<K extends ResourceKind>(
  kind: K,
  _id: string,
  olds: Bag<K>,
  news: Bag<K>,
): Promise<DiffResult> {
  if (olds.resourceId !== news.resourceId) {
    return { changes: true, replaces: ["resourceId"], deleteBeforeReplace: true };
  }
  const result = diffProps(kind, olds.props, news.props);
  const replaces = (result.replaces ?? []).map((field) => `props.${field}`);
  return {
    changes: result.changes ?? false,
    ...(replaces.length > 0 ? { replaces, deleteBeforeReplace: true } : {}),
  };
}

function secretOutputs(secrets: readonly OneTimeSecret[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const secret of secrets) out[secret.field] = secret.value;
  return out;
}

export async function create<K extends ResourceKind>(
  kind: K,
  inputs: Bag<K>,
): Promise<{ id: string; outs: PulumiOutputs<K> }> {
  const base = plain(inputs);
  const managedBy = pulumiManager(base.stack);
  const { result, secrets } = await inTransaction(kind, base, async (tx, provider) => {
    const row = await tx.get(kind, base.resourceId);
    assertWritable(row, kind, managedBy, base.takeOver === true, "create");
    if (row) {
      // Taken over (or left by a lost state of this very stack): update the row in place, keeping what
      // create made for it (hashes, key prefixes), so that a take-over never rotates a secret.
      const old = { resourceId: row.id, props: row.props as PulumiInputs<K>["props"] };
      const updated = await provider.update?.(row.id, old, base);
      await recordImport(tx, kind, row.id, old.props, base.props);
      return { id: row.id, outs: updated?.outs ?? base };
    }
    const created = await provider.create(base);
    await recordImport(tx, kind, base.resourceId, undefined, base.props);
    return created;
  });
  return { id: result.id, outs: { ...base, ...result.outs, ...secretOutputs(secrets) } };
}

/**
 * The store row as it is now, so that `pulumi refresh` sees changes made by someone else. No row: the
 * resource is gone (an empty result). Generated secrets are not in the store: they are kept from state.
 */
export async function read<K extends ResourceKind>(
  kind: K,
  id: string,
  props: Bag<K>,
): Promise<{ id?: string; props?: PulumiOutputs<K> }> {
  const state = plain(props);
  const row = await withStore(state, (store) => store.get(kind, id));
  if (!row) return {};
  return { id, props: { ...state, resourceId: id, props: row.props as PulumiInputs<K>["props"] } };
}

export async function update<K extends ResourceKind>(
  kind: K,
  id: string,
  olds: Bag<K>,
  news: Bag<K>,
): Promise<{ outs: PulumiOutputs<K> }> {
  const before = plain(olds);
  const after = plain(news);
  const managedBy = pulumiManager(after.stack);
  const { result } = await inTransaction(kind, after, async (tx, provider) => {
    assertWritable(await tx.get(kind, id), kind, managedBy, after.takeOver === true, "update");
    const updated = await provider.update?.(id, before, after);
    await recordImport(tx, kind, id, before.props, after.props);
    return updated;
  });
  const kept = { clientSecret: before.clientSecret, apiKey: before.apiKey };
  const secrets = Object.fromEntries(Object.entries(kept).filter(([, value]) => value !== undefined));
  return { outs: { ...after, ...result?.outs, ...secrets } };
}

/** Deleting a row that is already gone succeeds: the end state is what was asked for. */
export async function remove<K extends ResourceKind>(kind: K, id: string, props: Bag<K>): Promise<void> {
  const state = plain(props);
  const managedBy = pulumiManager(state.stack);
  await inTransaction(kind, state, async (tx, provider) => {
    const row = await tx.get(kind, id);
    if (!row) return;
    assertWritable(row, kind, managedBy, state.takeOver === true, "delete");
    await provider.delete?.(id, state);
    await recordImport(tx, kind, id, row.props as PulumiInputs<K>["props"], undefined);
  });
}
