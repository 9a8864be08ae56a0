/**
 * The provider text Pulumi keeps in its state (`__provider`), made from the tsc output that `pulumi up`
 * runs (docs/architecture.md#pulumis-shim: tsx output differs). The test builds scopectl into a temporary package root (its
 * package.json, node_modules linked, a fresh dist/) rather than the shared dist/, so that other tests
 * reading dist/ never see it half written.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import requireFromString from "require-from-string";
import { openSqliteStore } from "../../src/store/sqlite/open.ts";
import { REPO_ROOT } from "../support/cli.ts";
import { buildPackage, packageRoot, serializeShims } from "../support/pulumi-build.ts";

let work: string;
let built: string;
let texts = new Map<string, string>();

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), "scopectl-shim-"));
  built = path.join(work, "built");
  buildPackage(built);
  texts = await serializeShims(built);
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Runs `fn` with the working directory of a dynamic-provider host started in `dir`. */
async function inDirectory<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    return await fn();
  } finally {
    process.chdir(cwd);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: the deserialized provider is untyped, as in the host.
const hostProvider = (kind: string): any => requireFromString(texts.get(kind) as string).handler();

describe("the serialized shim", () => {
  it("holds no absolute path of this machine and stays small", () => {
    for (const [kind, text] of texts) {
      for (const local of [REPO_ROOT, work, homedir(), tmpdir(), "/work/", "/home/", "/Users/"]) {
        assert.ok(!text.includes(local), `${kind}: the text names ${local}`);
      }
      assert.ok(!/file:\/\//.test(text), `${kind}: a file URL`);
      assert.ok(text.length < 4000, `${kind}: ${text.length} characters`);
    }
  });

  it("captures nothing but its kind and its own functions (no store handle, no secret)", () => {
    for (const [kind, text] of texts) {
      const captured = [...text.matchAll(/with\(\{ (.*?), this: undefined/g)].flatMap((m) =>
        (m[1] ?? "").split(", "),
      );
      const names = new Set(captured.map((c) => c.split(": ")[0]));
      assert.deepEqual([...names].sort(), ["kind", "load", "provider"], kind);
      for (const c of captured) {
        if (c.startsWith("kind: ")) assert.equal(c, `kind: "${kind}"`);
      }
      assert.ok(!/sc[ks]_/.test(text), `${kind}: a secret-looking value`);
      assert.ok(text.includes('require("node:module").createRequire'), `${kind}: loads at call time`);
    }
  });

  it("reaches the current implementation: check, diff, create, read, update, delete on a store", async () => {
    const stack = "shimtest";
    const base = { store: "state/store.db", stack, takeOver: false };
    await inDirectory(built, async () => {
      const api = hostProvider("Api");
      const key = hostProvider("ApiKey");
      const inputs = {
        resourceId: "orders",
        props: { audience: "https://orders", displayName: "Orders" },
        ...base,
      };
      const checked = await api.check({}, inputs);
      assert.deepEqual(checked.inputs, inputs);
      assert.equal((await api.check({}, { ...inputs, store: "" })).failures[0].property, "store");

      const created = await api.create(inputs);
      assert.equal(created.id, "orders");
      const renamed = { ...inputs, props: { ...inputs.props, audience: "https://orders/v2" } };
      assert.deepEqual(await api.diff("orders", created.outs, renamed), {
        changes: true,
        replaces: ["props.audience"],
        deleteBeforeReplace: true,
      });
      const edited = { ...inputs, props: { ...inputs.props, displayName: "Orders API" } };
      assert.deepEqual(await api.diff("orders", created.outs, edited), { changes: true });
      assert.deepEqual(await api.diff("orders", created.outs, inputs), { changes: false });
      await api.update("orders", created.outs, edited);
      const read = await api.read("orders", created.outs);
      assert.equal(read.props.props.displayName, "Orders API");

      const keyInputs = { resourceId: "export", props: { api: "orders", scopes: [] }, ...base };
      const made = await key.create(keyInputs);
      assert.match(made.outs.apiKey, /^sck_[0-9a-f]{8}_/);
      assert.equal(made.outs.props.prefix, made.outs.apiKey.slice(0, 12));

      const store = await openSqliteStore(path.join(built, "state/store.db"));
      try {
        const row = await store.get("Api", "orders");
        assert.equal(row?.managedBy, `pulumi:${stack}`);
        assert.equal(row?.props.displayName, "Orders API");
        const keyRow = await store.get("ApiKey", "export");
        assert.equal(keyRow?.props.sha256?.length, 64);
        assert.ok(!JSON.stringify(keyRow).includes(made.outs.apiKey), "the store keeps only the hash");
      } finally {
        await store.close();
      }

      await key.delete("export", made.outs);
      await api.delete("orders", created.outs);
      assert.deepEqual(await api.read("orders", created.outs), {}, "a deleted row reads as gone");
    });
  });

  it("refuses rows another manager holds unless told to take over", async () => {
    await inDirectory(built, async () => {
      const store = await openSqliteStore(path.join(built, "state/owned.db"));
      const ctx = { actor: "test", managedBy: "scopectl" };
      await store.transaction((tx) => tx.put("Api", "billing", { audience: "b", displayName: "B" }, ctx), {
        ctx,
      });
      await store.close();
      const api = hostProvider("Api");
      const inputs = {
        resourceId: "billing",
        props: { audience: "b", displayName: "Billing" },
        store: "state/owned.db",
        stack: "dev",
        takeOver: false,
      };
      await assert.rejects(api.create(inputs), /Api "billing".*managed by "scopectl".*scopectl:takeOver/);
      await assert.rejects(api.delete("billing", inputs), /managed by "scopectl"/);
      const taken = await api.create({ ...inputs, takeOver: true });
      assert.equal(taken.id, "billing");
      const reopened = await openSqliteStore(path.join(built, "state/owned.db"));
      try {
        const row = await reopened.get("Api", "billing");
        assert.equal(row?.managedBy, "pulumi:dev");
        assert.equal(row?.props.displayName, "Billing");
      } finally {
        await reopened.close();
      }
    });
  });

  it("runs whatever implementation is installed where the host runs, not the one it was made with", async () => {
    const newer = path.join(work, "newer");
    packageRoot(newer);
    mkdirSync(path.join(newer, "dist/pulumi"), { recursive: true });
    writeFileSync(
      path.join(newer, "dist/pulumi/provider.js"),
      'export async function diff(kind, id) { return { changes: true, replaces: ["newer:" + kind + ":" + id] }; }\n',
    );
    const result = await inDirectory(newer, () => hostProvider("Scope").diff("orders/read", {}, {}));
    assert.deepEqual(result, { changes: true, replaces: ["newer:Scope:orders/read"] });
  });
});
