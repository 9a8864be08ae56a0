/**
 * Issue 5, acceptance 4: `scopectl plan` and a Pulumi preview of the same manifests agree on what
 * changes. Two stores start from the same manifests: one applied by `scopectl apply` (planFolder +
 * applyPlan, managed by `scopectl`), one by the Pulumi providers (serialized shims in Pulumi's own
 * dynamic-provider host, managed by `pulumi:<stack>`), beside an emulated Pulumi state (the outputs the
 * host returned, per resource). Then the manifests are edited one step at a time; at each step the plan
 * and the preview must list the same (kind, id, action) set, and after both are applied the two stores
 * hold the same rows.
 *
 * The preview decides as the engine does for our resources: the program declares one resource per
 * desired row, named by its store id (src/pulumi/program.ts), so a resource is identified by (kind, id);
 * none in state → create; in state → the provider's Diff over gRPC: no changes → nothing, `replaces` →
 * replace, else update; in state but not declared → delete.
 *
 * Vocabulary: create, update, replace and delete mean the same on both sides, with one representational
 * difference. A renamed scope changes its store id, hence its Pulumi name (URN): to Pulumi it is a delete
 * of the old resource and a create of the new one, while the plan merges the pair into one
 * `replace <new id>` with `replacesId: <old id>` (src/plan/renames.ts, a presentation for reviewers).
 * The comparison expands that replace into `delete <old id>` + `create <new id>`; the rename step
 * asserts both shapes explicitly.
 *
 * Not emulated: the engine's dependent replacements under deleteBeforeReplace (it re-diffs resources
 * whose input *properties* come from a replaced resource's outputs). The program passes plain values and
 * orders resources with `dependsOn` only, so no input of ours is a replaced resource's output.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { applyPlan } from "../../src/engine/apply.ts";
import { planFolder } from "../../src/engine/plan-folder.ts";
import { loadDesiredState } from "../../src/manifest/index.ts";
import { RECONCILER, RESOURCE_KINDS, type ResourceKind } from "../../src/model/resources.ts";
import { desiredResources } from "../../src/plan/desired-resources.ts";
import type { Plan } from "../../src/plan/types.ts";
import { openSqliteStore } from "../../src/store/sqlite/open.ts";
import type { Store } from "../../src/store/store.ts";
import { buildPackage, serializeShims } from "../support/pulumi-build.ts";
import {
  type DynamicProviderHost,
  type Props,
  startDynamicProviderHost,
  urnOf,
} from "../support/pulumi-host.ts";

const STACK = "preview";
const PULUMI_STORE = "state/pulumi.db";

const lines = (...l: string[]) => `${l.join("\n")}\n`;

const spec = (paths: string[]) =>
  lines(
    "openapi: 3.0.3",
    "info: { title: Shop, version: '1' }",
    "paths:",
    ...paths.map(
      (p) => `  ${p}:\n    get: { summary: 'Get ${p}', responses: { '200': { description: OK } } }`,
    ),
  );

const api = (scopes: string[], audience = "https://shop.example.com") =>
  lines(
    "apiVersion: scopectl/v1",
    "kind: Api",
    "metadata: { name: shop }",
    "spec:",
    `  audience: ${audience}`,
    "  scopes:",
    ...scopes.map((s) => `    - ${s}`),
    "---",
    "apiVersion: scopectl/v1",
    "kind: OpenApiSource",
    "metadata: { name: shop-spec }",
    "spec: { api: shop, file: shop.openapi.yaml }",
    "---",
    "apiVersion: scopectl/v1",
    "kind: Api",
    "metadata: { name: admin }",
    "spec:",
    "  audience: https://admin.example.com",
    "  scopes:",
    "    - { name: manage, description: Manage everything }",
  );

const role = (name: string, scopes: string) =>
  lines(
    "---",
    "apiVersion: scopectl/v1",
    "kind: Role",
    `metadata: { name: ${name} }`,
    `spec: { scopes: ${scopes} }`,
  );

const INITIAL: Record<string, string> = {
  "settings.yaml": lines(
    "apiVersion: scopectl/v1",
    "kind: Settings",
    "metadata: { name: default }",
    "spec: { issuer: 'http://localhost:8080' }",
  ),
  "apis.yaml": api([
    "{ name: read:items, description: Read items }",
    "{ name: write:items, description: Create and edit items }",
    "{ name: get:health, description: 'Health, listed by hand' }",
  ]),
  "shop.openapi.yaml": spec(["/health", "/orders"]),
  "roles.yaml": role("editor", "{ shop: [read:items, write:items] }"),
  "users.yaml": lines(
    "apiVersion: scopectl/v1",
    "kind: User",
    "metadata: { name: alice }",
    "spec: { email: alice@example.com, roles: [editor] }",
  ),
  "apps.yaml": lines(
    "apiVersion: scopectl/v1",
    "kind: Application",
    "metadata: { name: backend }",
    "spec:",
    "  type: m2m",
    "  apis: { shop: { scopes: [read:items] } }",
    "---",
    "apiVersion: scopectl/v1",
    "kind: Application",
    "metadata: { name: indexer }",
    "spec:",
    "  type: m2m",
    "  apis: { shop: { scopes: all } }",
  ),
  "keys.yaml": lines(
    "apiVersion: scopectl/v1",
    "kind: ApiKey",
    "metadata: { name: scanner }",
    "spec: { api: shop, scopes: [get:orders], owner: alice }",
  ),
};

let work: string;
let built: string;
let folder: string;
let scopectlStore: string;
let texts: Map<ResourceKind, string>;
let host: DynamicProviderHost;
const files: Record<string, string> = { ...INITIAL };
/** The emulated Pulumi state: the outputs of each resource, by `<kind> <id>`. */
const state = new Map<string, { kind: ResourceKind; id: string; outs: Props }>();

const label = (kind: ResourceKind, id: string) => `${kind} ${id}`;
const urn = (kind: ResourceKind, id: string) => urnOf(`scopectl:${kind}`, id, STACK);

function writeManifests(): void {
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  for (const [rel, content] of Object.entries(files)) writeFileSync(path.join(folder, rel), content);
}

async function inStore<T>(file: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openSqliteStore(file);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

// ---- scopectl -----------------------------------------------------------------------------------------

async function scopectlPlan(): Promise<Plan> {
  const { plan } = await inStore(scopectlStore, (store) => planFolder(store, folder));
  assert.deepEqual(plan.conflicts, []);
  return plan;
}

async function scopectlApply(plan: Plan): Promise<void> {
  await inStore(scopectlStore, (store) => applyPlan(store, plan, { actor: "test", managedBy: RECONCILER }));
}

/** `<action> <kind> <id>`; a rename's replace as Pulumi sees it: a delete of the old id and a create. */
function planActions(plan: Plan): string[] {
  return plan.changes
    .flatMap((c) =>
      c.action === "replace" && c.replacesId !== undefined && c.replacesId !== c.id
        ? [`delete ${label(c.kind, c.replacesId)}`, `create ${label(c.kind, c.id)}`]
        : [`${c.action} ${label(c.kind, c.id)}`],
    )
    .sort();
}

// ---- Pulumi -------------------------------------------------------------------------------------------

interface Step {
  action: "create" | "update" | "replace" | "delete";
  kind: ResourceKind;
  id: string;
  /** Create, update, replace: the checked inputs. */
  news?: Props;
}

/** What `pulumi preview` would show, decided as the engine decides for each declared resource. */
async function preview(): Promise<Step[]> {
  const desired = desiredResources(await loadDesiredState(folder), process.env);
  const steps: Step[] = [];
  const declared = new Set<string>();
  for (const { kind, id, props } of desired) {
    declared.add(label(kind, id));
    const old = state.get(label(kind, id));
    const inputs = {
      resourceId: id,
      props,
      store: PULUMI_STORE,
      stack: STACK,
      takeOver: false,
      __provider: texts.get(kind) as string,
    };
    const checked = await host.check(urn(kind, id), old?.outs ?? {}, inputs);
    assert.deepEqual(checked.failures, [], label(kind, id));
    if (!old) {
      steps.push({ action: "create", kind, id, news: checked.inputs });
      continue;
    }
    const diff = await host.diff(urn(kind, id), id, old.outs, checked.inputs);
    assert.notEqual(diff.changes, "unknown", label(kind, id));
    if (diff.changes === "none") continue;
    if (diff.replaces.length > 0) assert.equal(diff.deleteBeforeReplace, true, label(kind, id));
    steps.push({ action: diff.replaces.length > 0 ? "replace" : "update", kind, id, news: checked.inputs });
  }
  for (const [key, { kind, id }] of state) if (!declared.has(key)) steps.push({ action: "delete", kind, id });
  return steps;
}

const previewActions = (steps: Step[]) => steps.map((s) => `${s.action} ${label(s.kind, s.id)}`).sort();

const kindOrder = (s: Step) => RESOURCE_KINDS.indexOf(s.kind);

/** `pulumi up`: deletes (and the delete half of deleteBeforeReplace) children first, then the rest parents first. */
async function up(steps: Step[]): Promise<void> {
  const removals = steps.filter((s) => s.action === "delete" || s.action === "replace");
  for (const step of removals.sort((a, b) => kindOrder(b) - kindOrder(a))) {
    const old = state.get(label(step.kind, step.id));
    assert.ok(old);
    await host.delete(urn(step.kind, step.id), step.id, old.outs);
    state.delete(label(step.kind, step.id));
  }
  const writes = steps.filter((s) => s.action !== "delete").sort((a, b) => kindOrder(a) - kindOrder(b));
  for (const step of writes) {
    const u = urn(step.kind, step.id);
    const news = step.news as Props;
    if (step.action === "update") {
      const old = state.get(label(step.kind, step.id));
      assert.ok(old);
      const outs = await host.update(u, step.id, old.outs, news);
      state.set(label(step.kind, step.id), { kind: step.kind, id: step.id, outs });
    } else {
      const made = await host.create(u, news);
      assert.equal(made.id, step.id);
      state.set(label(step.kind, step.id), { kind: step.kind, id: step.id, outs: made.properties });
    }
  }
}

// ---- both ---------------------------------------------------------------------------------------------

/** The rows of a store without what only one side has: its manager, and what create generated. */
async function rowsOf(file: string): Promise<Record<string, unknown>> {
  const rows = await inStore(file, (store) => store.listAll());
  const out: Record<string, unknown> = {};
  for (const row of rows) {
    const props = { ...(row.props as unknown as Props) };
    if (row.kind === "ApiKey") {
      assert.match(String(props.sha256), /^[0-9a-f]{64}$/);
      delete props.sha256;
      delete props.prefix;
    }
    if (row.kind === "Application" && (props.secret as Props).kind === "generated") {
      assert.match(String((props.secret as Props).sha256), /^[0-9a-f]{64}$/);
      props.secret = { kind: "generated" };
    }
    out[label(row.kind, row.id)] = props;
  }
  return out;
}

/**
 * One edit: the plan and the preview list the same changes (`expected`, in `<action> <kind> <id>`),
 * both are applied, the stores end up alike, and neither side sees anything left to do.
 */
async function step(expected: string[]): Promise<{ plan: Plan; steps: Step[] }> {
  writeManifests();
  const plan = await scopectlPlan();
  const steps = await preview();
  assert.deepEqual(planActions(plan), [...expected].sort(), "scopectl plan");
  assert.deepEqual(previewActions(steps), [...expected].sort(), "Pulumi preview");
  await scopectlApply(plan);
  await up(steps);
  assert.deepEqual(await rowsOf(path.join(built, PULUMI_STORE)), await rowsOf(scopectlStore), "same rows");
  assert.deepEqual((await scopectlPlan()).changes, [], "nothing left to plan");
  assert.deepEqual(await preview(), [], "nothing left to preview");
  return { plan, steps };
}

function edit(file: string, from: string, to: string): void {
  const text = files[file] as string;
  assert.ok(text.includes(from), `${file} has no ${from}`);
  files[file] = text.replace(from, to);
}

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), "scopectl-plan-vs-preview-"));
  built = path.join(work, "built");
  folder = path.join(work, "manifests");
  scopectlStore = path.join(work, "scopectl.db");
  buildPackage(built);
  texts = await serializeShims(built);
  host = await startDynamicProviderHost(built);
});

after(async () => {
  await host?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("scopectl plan and a Pulumi preview of the same manifests agree on what changes", () => {
  it("from empty stores: every resource is a create on both sides", async () => {
    writeManifests();
    const desired = desiredResources(await loadDesiredState(folder), process.env);
    await step(desired.map((r) => `create ${label(r.kind, r.id)}`));
    assert.ok(state.has("Scope shop/get:orders"), "the OpenApiSource generated a scope");
    assert.equal(state.size, desired.length);
  });

  it("a scope's description changes: update", async () => {
    edit("apis.yaml", "description: Read items }", "description: Read items and prices }");
    await step(["update Scope shop/read:items"]);
  });

  it("a scope is renamed: the plan's replace-with-replacesId is Pulumi's delete + create", async () => {
    edit("apis.yaml", "name: write:items,", "name: edit:items,");
    edit("roles.yaml", "write:items", "edit:items");
    const { plan } = await step([
      "delete Scope shop/write:items",
      "create Scope shop/edit:items",
      // Both follow the scope: the role lists it, the indexer has all of the Api's scopes.
      "update Role editor",
      "update Application indexer",
    ]);
    const rename = plan.changes.find((c) => c.kind === "Scope");
    assert.equal(rename?.action, "replace", "the plan shows the rename as one replace");
    assert.equal(rename?.id, "shop/edit:items");
    assert.equal(rename?.replacesId, "shop/write:items");
  });

  it("an Api's audience changes: replace", async () => {
    edit("apis.yaml", "audience: https://shop.example.com", "audience: https://shop.example.com/v2");
    await step(["replace Api shop"]);
  });

  it("an application's enabled scopes change: update", async () => {
    edit("apps.yaml", "scopes: [read:items]", "scopes: [read:items, edit:items]");
    await step(["update Application backend"]);
  });

  it("a role is added, then removed: create, then delete", async () => {
    files["roles.yaml"] += role("viewer", "{ shop: [read:items] }");
    await step(["create Role viewer"]);
    files["roles.yaml"] = role("editor", "{ shop: [read:items, edit:items] }").replace("---\n", "");
    await step(["delete Role viewer"]);
  });

  it("an API key's scopes change: replace (API keys are immutable)", async () => {
    const before = state.get("ApiKey scanner")?.outs.apiKey;
    edit("keys.yaml", "scopes: [get:orders]", "scopes: [get:orders, get:health]");
    await step(["replace ApiKey scanner"]);
    assert.notEqual(state.get("ApiKey scanner")?.outs.apiKey, before, "Pulumi's replace made a new key");
  });

  it("a scope moves from the Api's list to its OpenApiSource: update of the scope (its origin)", async () => {
    // get:health is listed by hand and generated by the spec: the hand-listed one wins until it goes.
    const origin = () => (state.get("Scope shop/get:health")?.outs.props as Props | undefined)?.origin;
    assert.equal(origin(), "manual");
    edit("apis.yaml", "    - { name: get:health, description: 'Health, listed by hand' }\n", "");
    await step(["update Scope shop/get:health"]);
    assert.equal(origin(), "openapi");
  });

  it("and back, while the spec gains an operation: updates of the source and the scope, a created scope", async () => {
    edit(
      "apis.yaml",
      "    - { name: read:items",
      "    - { name: get:health, description: Health by hand again }\n    - { name: read:items",
    );
    files["shop.openapi.yaml"] = spec(["/health", "/orders", "/stock"]);
    await step([
      "update OpenApiSource shop-spec",
      "update Scope shop/get:health",
      "create Scope shop/get:stock",
      // The indexer has all of shop's scopes.
      "update Application indexer",
    ]);
  });

  it("everything goes: deletes on both sides", async () => {
    for (const file of ["apps.yaml", "keys.yaml", "users.yaml", "roles.yaml"]) delete files[file];
    const gone = [...state.values()]
      .filter((r) => ["Application", "ApiKey", "User", "Role"].includes(r.kind))
      .map((r) => `delete ${label(r.kind, r.id)}`);
    assert.equal(gone.length, 5);
    await step(gone);
    assert.equal(host.stderr(), "", "the host logged no error");
  });
});
