/**
 * Issue 5, acceptance 2 and 3, over Pulumi's own dynamic-provider host: scopectl is built by tsc into a
 * temporary package root, the shim of every kind is serialized as `pulumi.dynamic.Resource` serializes
 * it, and the host (started in that root, as `pulumi up` starts it in the project root) runs check,
 * diff, create, read, update and delete over gRPC with the inputs the program declares for a small
 * manifest folder. The SQLite store is opened beside it to see the rows appear, change and disappear.
 * Then the implementation behind `scopectl/pulumi/provider` is swapped for another build, and the text
 * serialized by the first one runs the second one's code.
 */
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { sha256Hex } from "../../src/core/secrets.ts";
import { loadDesiredState } from "../../src/manifest/index.ts";
import { RESOURCE_KINDS, type Resource, type ResourceKind } from "../../src/model/resources.ts";
import { desiredResources } from "../../src/plan/desired-resources.ts";
import { openSqliteStore } from "../../src/store/sqlite/open.ts";
import type { Store } from "../../src/store/store.ts";
import { REPO_ROOT } from "../support/cli.ts";
import { buildPackage, packageRoot, serializeShims } from "../support/pulumi-build.ts";
import {
  type DynamicProviderHost,
  type Props,
  startDynamicProviderHost,
  urnOf,
} from "../support/pulumi-host.ts";

const STACK = "hosttest";
const MANAGER = `pulumi:${STACK}`;
const STORE = "state/store.db";
const ENV_NAME = "SCOPECTL_HOST_TEST_EXPORTER_SECRET";
const ENV_SECRET = "env-secret-value-9f1c2b7e-4Kq8Zm2Wx6Rt";

const lines = (...l: string[]) => `${l.join("\n")}\n`;

/** One or more of every kind; an OpenApiSource generating scopes; one generated and one env secret. */
const MANIFESTS: Record<string, string> = {
  "settings.yaml": lines(
    "apiVersion: scopectl/v1",
    "kind: Settings",
    "metadata: { name: default }",
    "spec: { issuer: 'http://localhost:8080' }",
  ),
  "apis.yaml": lines(
    "apiVersion: scopectl/v1",
    "kind: Api",
    "metadata: { name: shop }",
    "spec:",
    "  audience: https://shop.example.com",
    "  displayName: Shop API",
    "  scopes:",
    "    - { name: read:items, description: Read items }",
    "    - { name: write:items, description: Create and edit items }",
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
  ),
  "shop.openapi.yaml": lines(
    "openapi: 3.0.3",
    "info: { title: Shop, version: '1' }",
    "paths:",
    "  /health:",
    "    get: { summary: Health, responses: { '200': { description: OK } } }",
    "  /orders:",
    "    get: { summary: List orders, responses: { '200': { description: OK } } }",
  ),
  "roles.yaml": lines(
    "apiVersion: scopectl/v1",
    "kind: Role",
    "metadata: { name: editor }",
    "spec:",
    "  description: Edits the catalog",
    "  scopes: { shop: [read:items, write:items] }",
    "---",
    "apiVersion: scopectl/v1",
    "kind: Role",
    "metadata: { name: viewer }",
    "spec:",
    "  scopes: { shop: [read:items] }",
  ),
  "users.yaml": lines(
    "apiVersion: scopectl/v1",
    "kind: User",
    "metadata: { name: alice }",
    "spec:",
    "  email: alice@example.com",
    "  name: Alice",
    "  roles: [editor]",
  ),
  "apps.yaml": lines(
    "apiVersion: scopectl/v1",
    "kind: Application",
    "metadata: { name: shop-backend }",
    "spec:",
    "  type: m2m",
    "  apis:",
    "    shop: { scopes: [read:items, write:items] }",
    "---",
    "apiVersion: scopectl/v1",
    "kind: Application",
    "metadata: { name: exporter }",
    "spec:",
    "  type: m2m",
    `  secret: { fromEnv: ${ENV_NAME} }`,
    "  apis:",
    "    shop: { scopes: all }",
  ),
  "keys.yaml": lines(
    "apiVersion: scopectl/v1",
    "kind: ApiKey",
    "metadata: { name: scanner }",
    "spec: { api: shop, scopes: [read:items], owner: alice }",
  ),
};

/**
 * Per kind: the resource the edits are made on, an in-place change, and a change of an immutable field
 * (`undefined` where the kind has none: any change of Settings, Role and User is made in place; an
 * ApiKey has no in-place change at all, every field of it is immutable).
 */
type Edit = (props: Props) => Props;
const EDITS: {
  [K in ResourceKind]: { id: string; change?: Edit; replace?: { field: string; edit: Edit } };
} = {
  Settings: { id: "default", change: (p) => ({ ...p, accessTokenLifetimeSeconds: 1800 }) },
  Api: {
    id: "shop",
    change: (p) => ({ ...p, displayName: "The Shop API" }),
    replace: { field: "audience", edit: (p) => ({ ...p, audience: "https://shop.example.com/v2" }) },
  },
  OpenApiSource: {
    id: "shop-spec",
    // A new spec file: what the store sees of it is its hash and size.
    change: (p) => ({ ...p, file: { ...(p.file as Props), sha256: "ab".repeat(32), size: 999 } }),
    replace: { field: "api", edit: (p) => ({ ...p, api: "admin" }) },
  },
  Scope: {
    id: "shop/read:items",
    change: (p) => ({ ...p, description: "Read items and their prices" }),
    replace: { field: "name", edit: (p) => ({ ...p, name: "list:items" }) },
  },
  Role: { id: "viewer", change: (p) => ({ ...p, description: "Looks, never touches" }) },
  User: { id: "alice", change: (p) => ({ ...p, displayName: "Alice Martin", roles: ["editor", "viewer"] }) },
  Application: {
    id: "shop-backend",
    change: (p) => ({ ...p, apis: { shop: { all: false, scopes: ["read:items"] } } }),
    replace: { field: "clientId", edit: (p) => ({ ...p, clientId: "shop-backend-2" }) },
  },
  ApiKey: {
    id: "scanner",
    replace: { field: "scopes", edit: (p) => ({ ...p, scopes: ["read:items", "write:items"] }) },
  },
};

let work: string;
let built: string;
let texts: Map<ResourceKind, string>;
let desired: Resource[];
let host: DynamicProviderHost;
/** Secrets the creates made: none may ever show up in a provider text or in the store. */
const generated: string[] = [];
/** The engine's state: outputs per resource key, as the host returned them. */
const state = new Map<string, Props>();

const key = (kind: ResourceKind, id: string) => `${kind}:${id}`;
const urn = (kind: ResourceKind, id: string) => urnOf(`scopectl:${kind}`, id, STACK);
const text = (kind: ResourceKind) => texts.get(kind) as string;

/** The inputs the program declares for a desired resource, with `__provider` as the engine sends it. */
function inputsOf(kind: ResourceKind, resourceId: string, props: unknown): Props {
  return { resourceId, props, store: STORE, stack: STACK, takeOver: false, __provider: text(kind) };
}

function desiredOf(kind: ResourceKind, id: string): Resource {
  const found = desired.find((r) => r.kind === kind && r.id === id);
  assert.ok(found, `no desired ${kind} ${id}`);
  return found;
}

async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openSqliteStore(path.join(built, STORE));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** A store row's props as plain JSON (none when there is no row). */
const propsOf = (row: { props: unknown } | undefined): Props => (row?.props ?? {}) as Props;

/** Props without the outputs of a create (hashes, key prefixes), to compare with desired props. */
function withoutOutputs(kind: ResourceKind, props: Props): Props {
  if (kind === "ApiKey") {
    const { prefix: _p, sha256: _s, ...rest } = props;
    return rest;
  }
  if (kind === "Application" && (props.secret as Props).kind === "generated") {
    return { ...props, secret: { kind: "generated" } };
  }
  return props;
}

/** The host's answer must carry the provider it was given, so that the engine keeps it in state. */
function assertCarriesProvider(kind: ResourceKind, props: Props): void {
  assert.equal(props.__provider, text(kind), `${kind}: __provider kept`);
}

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), "scopectl-provider-host-"));
  built = path.join(work, "built");
  buildPackage(built);
  // The env secret is in this process's environment while the shims are serialized: it must not be
  // captured (acceptance 3).
  process.env[ENV_NAME] = ENV_SECRET;
  texts = await serializeShims(built);
  const folder = path.join(work, "manifests");
  for (const [rel, content] of Object.entries(MANIFESTS)) {
    mkdirSync(path.dirname(path.join(folder, rel)), { recursive: true });
    writeFileSync(path.join(folder, rel), content);
  }
  desired = desiredResources(await loadDesiredState(folder), { [ENV_NAME]: ENV_SECRET });
  host = await startDynamicProviderHost(built);
});

after(async () => {
  delete process.env[ENV_NAME];
  await host?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("scopectl's serialized providers in Pulumi's dynamic-provider host", () => {
  it("the manifest folder declares every kind", () => {
    assert.deepEqual([...new Set(desired.map((r) => r.kind))], [...RESOURCE_KINDS]);
    assert.ok(
      desired.some((r) => r.kind === "Scope" && r.props.origin === "openapi"),
      "a generated scope",
    );
  });

  it("check accepts the declared inputs of every kind and names what is missing", async () => {
    for (const resource of desired) {
      const inputs = inputsOf(resource.kind, resource.id, resource.props);
      const checked = await host.check(urn(resource.kind, resource.id), {}, inputs);
      assert.deepEqual(checked.failures, [], `${resource.kind} ${resource.id}`);
      assert.deepEqual(checked.inputs, inputs, `${resource.kind} ${resource.id}: inputs unchanged`);
    }
    for (const kind of RESOURCE_KINDS) {
      const { failures } = await host.check(urn(kind, "x"), {}, { __provider: text(kind), stack: STACK });
      assert.deepEqual(failures.map((f) => f.property).sort(), ["props", "resourceId", "store"], kind);
      assert.match(failures.find((f) => f.property === "store")?.reason ?? "", /scopectl:store/);
    }
  });

  it("check refuses what the manifests refuse: a javascript: redirect URI, an audience with a fragment", async () => {
    const app = desired.find((r) => r.kind === "Application");
    const api = desired.find((r) => r.kind === "Api");
    assert.ok(app && api);
    const badApp = { ...propsOf(app), redirectUris: ["javascript:alert(1)"] };
    const appCheck = await host.check(
      urn("Application", app.id),
      {},
      inputsOf("Application", app.id, badApp),
    );
    assert.deepEqual(
      appCheck.failures.map((f) => f.property),
      ["props.redirectUris[0]"],
    );
    assert.match(appCheck.failures[0]?.reason ?? "", /javascript:alert\(1\)/);
    const badApi = { ...propsOf(api), audience: "https://api.example.com/orders#frag" };
    const apiCheck = await host.check(urn("Api", api.id), {}, inputsOf("Api", api.id, badApi));
    assert.deepEqual(
      apiCheck.failures.map((f) => f.property),
      ["props.audience"],
    );
  });

  it("create writes every row as pulumi:<stack>; generated secrets are outputs, the store keeps their hashes", async () => {
    for (const resource of desired) {
      const made = await host.create(urn(resource.kind, resource.id), {
        ...inputsOf(resource.kind, resource.id, resource.props),
      });
      assert.equal(made.id, resource.id);
      assertCarriesProvider(resource.kind, made.properties);
      state.set(key(resource.kind, resource.id), made.properties);
    }
    const backend = state.get(key("Application", "shop-backend")) as Props;
    const scanner = state.get(key("ApiKey", "scanner")) as Props;
    const exporter = state.get(key("Application", "exporter")) as Props;
    assert.match(String(backend.clientSecret), /^scs_/);
    assert.match(String(scanner.apiKey), /^sck_[0-9a-f]{8}_/);
    assert.equal(exporter.clientSecret, undefined, "an env secret is not an output");
    generated.push(String(backend.clientSecret), String(scanner.apiKey));

    await withStore(async (store) => {
      const rows = await store.listAll();
      assert.deepEqual(
        rows.map((r) => key(r.kind, r.id)).sort(),
        desired.map((r) => key(r.kind, r.id)).sort(),
      );
      for (const row of rows) {
        assert.equal(row.managedBy, MANAGER, `${row.kind} ${row.id}`);
        const want = desiredOf(row.kind, row.id).props;
        assert.deepEqual(withoutOutputs(row.kind, propsOf(row)), want, `${row.kind} ${row.id}`);
        // The outputs the engine keeps are the row as written (hashes included).
        assert.deepEqual((state.get(key(row.kind, row.id)) as Props).props, row.props);
      }
      const app = await store.get("Application", "shop-backend");
      assert.deepEqual(app?.props.secret, {
        kind: "generated",
        sha256: sha256Hex(String(backend.clientSecret)),
      });
      const envApp = await store.get("Application", "exporter");
      assert.deepEqual(envApp?.props.secret, { kind: "env", env: ENV_NAME, sha256: sha256Hex(ENV_SECRET) });
      const apiKey = await store.get("ApiKey", "scanner");
      assert.equal(apiKey?.props.sha256, sha256Hex(String(scanner.apiKey)));
      assert.equal(apiKey?.props.prefix, String(scanner.apiKey).slice(0, 12));
      const everything = JSON.stringify(rows);
      for (const secret of [...generated, ENV_SECRET]) assert.ok(!everything.includes(secret), "only hashes");
      assert.deepEqual(
        (await store.imports("shop-spec")).map((i) => i.action),
        ["upload"],
        "an OpenApiSource create is an import",
      );
    });
  });

  it("diff: no change, a change in place, and a replace of an immutable field, for every kind", async () => {
    for (const kind of RESOURCE_KINDS) {
      const { id, change, replace } = EDITS[kind];
      const olds = state.get(key(kind, id)) as Props;
      const resource = desiredOf(kind, id);
      const news = inputsOf(kind, id, resource.props);
      const u = urn(kind, id);
      assert.deepEqual(
        await host.diff(u, id, olds, news),
        { changes: "none", replaces: [], deleteBeforeReplace: false },
        `${kind}: the declared inputs against the created outputs (hashes and secrets included)`,
      );
      assert.deepEqual(
        await host.diff(u, id, olds, { ...news, store: "elsewhere/store.db", takeOver: true }),
        { changes: "none", replaces: [], deleteBeforeReplace: false },
        `${kind}: where and how to write is not a change`,
      );
      if (change) {
        assert.deepEqual(
          await host.diff(u, id, olds, inputsOf(kind, id, change(resource.props as unknown as Props))),
          { changes: "some", replaces: [], deleteBeforeReplace: false },
          `${kind}: an in-place change`,
        );
      }
      if (replace) {
        assert.deepEqual(
          await host.diff(u, id, olds, inputsOf(kind, id, replace.edit(resource.props as unknown as Props))),
          { changes: "some", replaces: [`props.${replace.field}`], deleteBeforeReplace: true },
          `${kind}: ${replace.field} is immutable`,
        );
      }
      assert.deepEqual(
        await host.diff(u, id, olds, { ...news, resourceId: `${id}-renamed` }),
        { changes: "some", replaces: ["resourceId"], deleteBeforeReplace: true },
        `${kind}: a new store id is a new row`,
      );
    }
  });

  it("update changes every changeable row in place and keeps generated secrets", async () => {
    for (const kind of RESOURCE_KINDS) {
      const { id, change } = EDITS[kind];
      const olds = state.get(key(kind, id)) as Props;
      const props = (change ?? ((p: Props) => p))(desiredOf(kind, id).props as unknown as Props);
      const before = await withStore((store) => store.get(kind, id));
      const outs = await host.update(urn(kind, id), id, olds, inputsOf(kind, id, props));
      assertCarriesProvider(kind, outs);
      state.set(key(kind, id), outs);
      const row = await withStore((store) => store.get(kind, id));
      assert.equal(row?.managedBy, MANAGER);
      assert.deepEqual(withoutOutputs(kind, propsOf(row)), props, `${kind}: the row changed`);
      assert.deepEqual(outs.props, row?.props, `${kind}: outputs are the row`);
      assert.equal(row?.createdRevision, before?.createdRevision, `${kind}: the same row, not a new one`);
      assert.ok((row?.updatedRevision ?? 0) > (before?.updatedRevision ?? 0), `${kind}: a new revision`);
    }
    const backend = state.get(key("Application", "shop-backend")) as Props;
    assert.equal(backend.clientSecret, generated[0], "the client secret survives an update");
    assert.equal((state.get(key("ApiKey", "scanner")) as Props).apiKey, generated[1], "so does the key");
    await withStore(async (store) => {
      const app = await store.get("Application", "shop-backend");
      assert.deepEqual(propsOf(app).secret, { kind: "generated", sha256: sha256Hex(String(generated[0])) });
      assert.deepEqual(
        (await store.imports("shop-spec")).map((i) => i.action),
        ["replace", "upload"],
        "a new spec file is a replace in the import history",
      );
    });
  });

  it("replace of an immutable field: delete (before replace), then create the new row", async () => {
    for (const kind of RESOURCE_KINDS) {
      const { id, replace } = EDITS[kind];
      if (!replace) continue;
      const olds = state.get(key(kind, id)) as Props;
      const props = replace.edit(olds.props as Props);
      // What the engine runs for replaces with deleteBeforeReplace: Delete(old), then Create(new).
      const newId = kind === "Scope" ? `shop/${props.name}` : id;
      const news = inputsOf(kind, newId, withoutOutputs(kind, props));
      assert.deepEqual((await host.diff(urn(kind, id), id, olds, news)).deleteBeforeReplace, true);
      await host.delete(urn(kind, id), id, olds);
      assert.equal(
        await withStore((store) => store.get(kind, id)),
        undefined,
        `${kind}: the old row is gone`,
      );
      const made = await host.create(urn(kind, newId), news);
      assert.equal(made.id, newId);
      state.delete(key(kind, id));
      state.set(key(kind, newId), made.properties);
      const row = await withStore((store) => store.get(kind, newId));
      assert.equal(row?.managedBy, MANAGER);
      assert.deepEqual(withoutOutputs(kind, propsOf(row)), withoutOutputs(kind, props), kind);
    }
    // A replaced Application and ApiKey get new secrets; the old ones stop working.
    const backend = state.get(key("Application", "shop-backend")) as Props;
    const scanner = state.get(key("ApiKey", "scanner")) as Props;
    assert.match(String(backend.clientSecret), /^scs_/);
    assert.notEqual(backend.clientSecret, generated[0]);
    assert.notEqual(scanner.apiKey, generated[1]);
    generated.push(String(backend.clientSecret), String(scanner.apiKey));
    await withStore(async (store) => {
      const key = await store.get("ApiKey", "scanner");
      assert.equal(key?.props.sha256, sha256Hex(String(scanner.apiKey)));
      assert.deepEqual(key?.props.scopes, ["read:items", "write:items"]);
      assert.equal(await store.get("Scope", "shop/read:items"), undefined);
      assert.equal((await store.get("Scope", "shop/list:items"))?.props.name, "list:items");
    });
  });

  it("read (pulumi refresh) returns a row edited in the store by someone else, and a deleted row as gone", async () => {
    const ctx = { actor: "someone", managedBy: MANAGER };
    for (const kind of RESOURCE_KINDS) {
      const id = [...state.keys()].find((k) => k.startsWith(`${kind}:`))?.slice(kind.length + 1) as string;
      const olds = state.get(key(kind, id)) as Props;
      const u = urn(kind, id);
      const same = await host.read(u, id, olds);
      assert.equal(same.id, id);
      assert.deepEqual(same.properties, olds, `${kind}: nothing changed, the state reads back as it is`);

      const drifted = { ...(olds.props as Props), drift: `edited by hand (${kind})` };
      await withStore((store) => store.transaction((tx) => tx.put(kind, id, drifted, ctx), { ctx }));
      const refreshed = await host.read(u, id, olds);
      assert.equal(refreshed.id, id);
      assert.deepEqual(refreshed.properties.props, drifted, `${kind}: refresh sees the edit`);
      assertCarriesProvider(kind, refreshed.properties);
      const { props: _, ...rest } = refreshed.properties;
      const { props: __, ...was } = olds;
      assert.deepEqual(rest, was, `${kind}: everything else (secrets included) is kept from state`);
      // The next `pulumi up` puts the declared props back.
      const declared = inputsOf(kind, id, withoutOutputs(kind, olds.props as Props));
      assert.equal((await host.diff(u, id, refreshed.properties, declared)).changes, "some", kind);

      await withStore((store) => store.transaction((tx) => tx.remove(kind, id, ctx), { ctx }));
      const gone = await host.read(u, id, olds);
      assert.equal(gone.id, "", `${kind}: no id, the resource is gone`);
      assert.deepEqual(Object.keys(gone.properties), ["__provider"], `${kind}: no props`);

      // `pulumi up` after that refresh creates it again (the state has dropped it).
      const again = await host.create(u, declared);
      state.set(key(kind, id), again.properties);
      for (const field of ["clientSecret", "apiKey"]) {
        if (typeof again.properties[field] === "string") generated.push(again.properties[field] as string);
      }
      const row = await withStore((store) => store.get(kind, id));
      assert.equal(row?.managedBy, MANAGER, kind);
      assert.equal(propsOf(row).drift, undefined, kind);
    }
  });

  it("delete removes every row, children first; deleting a row that is gone succeeds", async () => {
    const order = [...state.entries()].sort(
      ([a], [b]) =>
        RESOURCE_KINDS.indexOf(b.split(":")[0] as ResourceKind) -
        RESOURCE_KINDS.indexOf(a.split(":")[0] as ResourceKind),
    );
    for (const [k, outs] of order) {
      const kind = k.split(":")[0] as ResourceKind;
      const id = String(outs.resourceId);
      await host.delete(urn(kind, id), id, outs);
      assert.equal(await withStore((store) => store.get(kind, id)), undefined, k);
    }
    await withStore(async (store) => assert.deepEqual(await store.listAll(), []));
    const [k, outs] = order[0] as [string, Props];
    await host.delete(
      urn(k.split(":")[0] as ResourceKind, String(outs.resourceId)),
      String(outs.resourceId),
      outs,
    );
    assert.equal(host.stderr(), "", "the host logged no error");
  });

  it("the serialized text of every kind holds no secret and no absolute path of this machine (acceptance 3)", () => {
    assert.ok(generated.length >= 4);
    const forbidden = [
      ENV_SECRET,
      ...generated,
      ...generated.map((s) => sha256Hex(s)),
      REPO_ROOT,
      work,
      tmpdir(),
      homedir(),
      "file://",
    ];
    for (const kind of RESOURCE_KINDS) {
      for (const value of forbidden) {
        assert.ok(!text(kind).includes(value), `${kind}: the provider text contains ${value}`);
      }
      assert.ok(text(kind).includes(`"${kind}"`), `${kind}: the text names its kind`);
    }
  });
});

/**
 * The version that serialized the provider is not the version that runs it: Pulumi keeps `__provider`
 * in its state, and a later `pulumi up`, `refresh` or `destroy` sends it back to a host started where
 * another scopectl is installed. Build B is build A with a visible difference: its read adds a field
 * and its delete leaves a note.
 */
describe("a provider serialized by one build, run after the implementation changed", () => {
  const B_READ = 'return r.props ? { ...r, props: { ...r.props, servedBy: "build-b" } } : r;';

  function buildB(dir: string): void {
    packageRoot(dir);
    cpSync(path.join(built, "dist"), path.join(dir, "dist"), { recursive: true });
    const file = path.join(dir, "dist/pulumi/provider.js");
    const source = readFileSync(file, "utf8");
    for (const name of ["read", "remove"]) {
      assert.ok(source.includes(`export async function ${name}(`), `provider.js exports ${name}`);
    }
    writeFileSync(
      file,
      source
        .replace("export async function read(", "async function readA(")
        .replace("export async function remove(", "async function removeA(") +
        [
          "",
          "import { appendFileSync as noteB } from 'node:fs';",
          "export async function read(kind, id, props) {",
          "  const r = await readA(kind, id, props);",
          `  ${B_READ}`,
          "}",
          "export async function remove(kind, id, props) {",
          "  await removeA(kind, id, props);",
          "  noteB('removed-by-b.log', kind + ' ' + id + '\\n');",
          "}",
        ].join("\n"),
    );
  }

  it("a newer scopectl refreshes and deletes what an older one created, with its own code", async (t) => {
    // A user's project: the host runs in it and finds scopectl in its node_modules.
    const project = path.join(work, "project");
    const link = path.join(project, "node_modules/scopectl");
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(built, link, "dir");
    const api = desiredOf("Api", "shop");
    const scope = desiredOf("Scope", "shop/write:items");

    const hostA = await startDynamicProviderHost(project);
    t.after(() => hostA.close());
    const apiOuts = (await hostA.create(urn("Api", api.id), inputsOf("Api", api.id, api.props))).properties;
    const scopeOuts = (await hostA.create(urn("Scope", scope.id), inputsOf("Scope", scope.id, scope.props)))
      .properties;
    const readA = await hostA.read(urn("Api", api.id), api.id, apiOuts);
    assert.equal(readA.id, api.id);
    assert.equal(readA.properties.servedBy, undefined, "build A's read adds nothing");
    await hostA.close();

    // Upgrade: node_modules/scopectl is now build B. The state still holds build A's text.
    const b = path.join(work, "built-b");
    buildB(b);
    rmSync(link);
    symlinkSync(b, link, "dir");
    assert.equal(apiOuts.__provider, text("Api"), "the state holds the text build A serialized");
    assert.equal(scopeOuts.__provider, text("Scope"));

    const hostB = await startDynamicProviderHost(project);
    t.after(() => hostB.close());
    const refreshed = await hostB.read(urn("Api", api.id), api.id, apiOuts);
    assert.equal(refreshed.id, api.id);
    assert.equal(refreshed.properties.servedBy, "build-b", "build B's read ran");
    assert.deepEqual(refreshed.properties.props, api.props, "and still reads the row");
    await hostB.delete(urn("Scope", scope.id), scope.id, scopeOuts);
    await hostB.delete(urn("Api", api.id), api.id, apiOuts);
    assert.equal(
      readFileSync(path.join(project, "removed-by-b.log"), "utf8"),
      `Scope ${scope.id}\nApi ${api.id}\n`,
      "build B's delete ran",
    );
    const store = await openSqliteStore(path.join(project, STORE));
    try {
      assert.deepEqual(await store.listAll(), [], "the rows are gone");
    } finally {
      await store.close();
    }
    assert.deepEqual((await hostB.read(urn("Api", api.id), api.id, apiOuts)).id, "", "and read as gone");
    assert.equal(hostB.stderr(), "");
  });
});
