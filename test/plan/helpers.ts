/**
 * Test helpers for the planner: a tenant of manifests on disk, store rows made from resources, and an
 * "apply" that runs a plan through the real resource providers over an in-memory transaction, so that
 * a re-plan sees what an apply really writes (hashes of generated secrets, API key prefixes).
 */
import type { TestContext } from "node:test";
import { loadDesiredState } from "../../src/manifest/index.ts";
import type { DesiredState } from "../../src/model/desired.ts";
import {
  RECONCILER,
  type Resource,
  type ResourceKind,
  resourceKey,
  type StoredResource,
} from "../../src/model/resources.ts";
import { desiredResources } from "../../src/plan/desired-resources.ts";
import { makePlan, type PlanInput } from "../../src/plan/plan.ts";
import type { Plan } from "../../src/plan/types.ts";
import { createProvider } from "../../src/providers/provider.ts";
import type { OneTimeSecret, ProviderSession } from "../../src/providers/types.ts";
import type { StoreTransaction } from "../../src/store/resources.ts";
import { type Files, tenant, yaml } from "../manifest/helpers.ts";

export { tenant, yaml };

export const NOW = new Date("2026-01-02T03:04:05Z");

/** Long and varied enough for the fromEnv secret rule (src/plan/secret-strength.ts). */
export const ENV = { EXPORTER_SECRET: "exporter-secret-value-6Qm2vN8xR4tY1wZ7pK3s" };

/** Store rows for resources, as a manager wrote them. */
export function stored(resources: readonly Resource[], managedBy = RECONCILER): StoredResource[] {
  return resources.map(
    (r) => ({ ...r, managedBy, createdRevision: 1, updatedRevision: 1 }) as StoredResource,
  );
}

export function plan(desired: Resource[], current: StoredResource[], extra: Partial<PlanInput> = {}): Plan {
  return makePlan({ desired, current, revision: 1, managedBy: RECONCILER, now: NOW, ...extra });
}

export async function load(t: TestContext, files: Files): Promise<DesiredState> {
  return loadDesiredState(await tenant(t, files));
}

export async function loadResources(
  t: TestContext,
  files: Files,
  env: NodeJS.ProcessEnv = ENV,
): Promise<{ state: DesiredState; desired: Resource[] }> {
  const state = await load(t, files);
  return { state, desired: desiredResources(state, env) };
}

/**
 * Runs the plan's changes through the real providers, against rows held in a Map, in plan order; the
 * rows are returned as the store would list them. Fails like a store would: a create of an existing
 * row, an update or delete of a missing one.
 */
export async function applyRows(
  p: Plan,
  current: readonly StoredResource[],
): Promise<{ rows: StoredResource[]; secrets: OneTimeSecret[] }> {
  const rows = new Map(current.map((r) => [resourceKey(r.kind, r.id), { ...r }]));
  const ctx = { actor: "test", managedBy: p.managedBy };
  const write = (kind: ResourceKind, id: string, props: unknown) => {
    const old = rows.get(resourceKey(kind, id));
    rows.set(resourceKey(kind, id), {
      kind,
      id,
      props,
      managedBy: p.managedBy,
      createdRevision: old?.createdRevision ?? p.revision + 1,
      updatedRevision: p.revision + 1,
    } as StoredResource);
  };
  // The transaction methods the providers call; a cast, so a new one must be added here by hand.
  const tx = {
    async get(kind: ResourceKind, id: string) {
      return rows.get(resourceKey(kind, id));
    },
    async insert(kind: ResourceKind, id: string, props: unknown) {
      if (rows.has(resourceKey(kind, id))) throw new Error(`${kind} ${id} already exists`);
      write(kind, id, props);
    },
    async put(kind: ResourceKind, id: string, props: unknown) {
      write(kind, id, props);
    },
    async remove(kind: ResourceKind, id: string) {
      if (!rows.delete(resourceKey(kind, id))) throw new Error(`no ${kind} ${id} to delete`);
    },
  } as unknown as StoreTransaction;
  const secrets: OneTimeSecret[] = [];
  const session: ProviderSession = { tx, ctx, onSecret: (s) => secrets.push(s) };
  const state = (id: string, props: unknown) => ({ resourceId: id, props }) as never;
  for (const change of p.changes) {
    const provider = createProvider(change.kind, session);
    if (change.action === "create") await provider.create(state(change.id, change.after));
    if (change.action === "update") {
      if (!rows.has(resourceKey(change.kind, change.id)))
        throw new Error(`no ${change.kind} ${change.id} to update`);
      await provider.update?.(change.id, state(change.id, change.before), state(change.id, change.after));
    }
    if (change.action === "delete") await provider.delete?.(change.id, state(change.id, change.before));
    if (change.action === "replace") {
      const old = change.replacesId ?? change.id;
      await provider.delete?.(old, state(old, change.before));
      await provider.create(state(change.id, change.after));
    }
  }
  return { rows: [...rows.values()], secrets };
}

/** `text` with `from` replaced by `to`; fails if `from` is not there, so a fixture edit cannot silently miss. */
export function edit(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`fixture edit: ${JSON.stringify(from)} not found`);
  return text.replace(from, to);
}

/** `kind id` of each change with its action: the compact view most assertions want. */
export function actions(p: Plan): string[] {
  return p.changes.map((c) => `${c.action} ${c.kind} ${c.id}`);
}

export const ORDERS_API = yaml(
  "apiVersion: scopectl/v1",
  "kind: Api",
  "metadata: { name: orders }",
  "spec:",
  "  audience: https://api.example.com/orders",
  "  displayName: Orders API",
  "  scopes:",
  "    - { name: read:orders, description: Read orders }",
  "    - { name: write:orders, description: Create and update orders }",
);

export const ROLES = yaml(
  "apiVersion: scopectl/v1",
  "kind: Role",
  "metadata: { name: support }",
  "spec:",
  "  scopes: { orders: [read:orders] }",
  "---",
  "apiVersion: scopectl/v1",
  "kind: Role",
  "metadata: { name: admin }",
  "spec:",
  "  scopes: { orders: [write:orders, read:orders] }",
);

export const USERS = yaml(
  "apiVersion: scopectl/v1",
  "kind: User",
  "metadata: { name: alice }",
  "spec:",
  "  email: alice@example.com",
  "  roles: [admin]",
  "---",
  "apiVersion: scopectl/v1",
  "kind: User",
  "metadata: { name: bob }",
  "spec:",
  "  email: bob@example.com",
  "  roles: [support]",
  "  additionalScopes: { orders: [write:orders] }",
);

/** Lines 1-10: exporter (env secret); then backend (generated secret) and web (spa, no secret). */
export const APPS = yaml(
  "apiVersion: scopectl/v1",
  "kind: Application",
  "metadata: { name: exporter }",
  "spec:",
  "  type: m2m",
  "  clientId: exporter-client",
  "  secret: { fromEnv: EXPORTER_SECRET }",
  "  apis:",
  "    orders: { scopes: [write:orders, read:orders] }",
  "---",
  "apiVersion: scopectl/v1",
  "kind: Application",
  "metadata: { name: backend }",
  "spec:",
  "  type: m2m",
  "  apis:",
  "    orders: { scopes: all }",
  "---",
  "apiVersion: scopectl/v1",
  "kind: Application",
  "metadata: { name: web }",
  "spec:",
  "  type: spa",
  "  redirectUris: [https://web.example.com/callback, https://web.example.com/a-callback]",
);

export const KEYS = yaml(
  "apiVersion: scopectl/v1",
  "kind: ApiKey",
  "metadata: { name: scanner }",
  "spec:",
  "  api: orders",
  "  scopes: [write:orders, read:orders]",
  "  owner: alice",
);

/** A tenant with one of everything but OpenAPI. */
export const TENANT: Files = {
  "api.yaml": ORDERS_API,
  "roles.yaml": ROLES,
  "users.yaml": USERS,
  "apps.yaml": APPS,
  "keys.yaml": KEYS,
};

/** An Api `catalog` whose scopes come from `specs/catalog.yaml`, plus one manual scope. */
export function catalogFiles(spec: string, manual: string[] = []): Files {
  const scopes =
    manual.length > 0 ? ["  scopes:", ...manual.map((m) => `    - { name: "${m}", description: ${m} }`)] : [];
  return {
    "catalog.yaml": yaml(
      "apiVersion: scopectl/v1",
      "kind: Api",
      "metadata: { name: catalog }",
      "spec:",
      "  audience: https://api.example.com/catalog",
      ...scopes,
      "---",
      "apiVersion: scopectl/v1",
      "kind: OpenApiSource",
      "metadata: { name: catalog-spec }",
      "spec:",
      "  api: catalog",
      "  file: specs/catalog.yaml",
    ),
    "specs/catalog.yaml": spec,
  };
}

/** An OpenAPI 3.0 spec with the given `METHOD /path` operations (no summaries: described as `METHOD /path`). */
export function spec(...operations: string[]): string {
  const byPath = new Map<string, string[]>();
  for (const op of operations) {
    const [method, path] = op.split(" ") as [string, string];
    byPath.set(path, [...(byPath.get(path) ?? []), method.toLowerCase()]);
  }
  const lines = ["openapi: 3.0.3", "info: { title: Catalog, version: 1.0.0 }", "paths:"];
  for (const [path, methods] of byPath) {
    lines.push(`  "${path}":`);
    for (const method of methods)
      lines.push(`    ${method}:`, "      responses: { '200': { description: ok } }");
  }
  return yaml(...lines);
}
