import assert from "node:assert/strict";
import path from "node:path";
import { describe, test } from "node:test";
import { loadDesiredState, mergePatch } from "../../src/manifest/index.ts";
import { REPO_ROOT } from "../support/cli.ts";
import { assertOneError, tenant } from "./helpers.ts";

const API = `apiVersion: scopectl/v1
kind: Api
metadata:
  name: orders
spec:
  audience: https://orders.example.com
  scopes:
    - name: read:orders
      description: Read orders
    - name: write:orders
      description: Write orders
`;

const APP = `apiVersion: scopectl/v1
kind: Application
metadata:
  name: exporter
spec:
  type: m2m
  apis:
    orders:
      scopes: [read:orders]
  tokens:
    lifetimeSeconds: 3600
`;

const overlay = (bases: string, extra = "") => `apiVersion: scopectl/v1
kind: Overlay
metadata:
  name: env
spec:
  bases: ${bases}
${extra}`;

describe("overlays", () => {
  test("mergePatch follows RFC 7396: maps merge, null removes, lists replace", () => {
    assert.deepEqual(mergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: null, d: 3 }, l: [9] }), {
      a: { b: 1, d: 3 },
      l: [9],
    });
    assert.equal(mergePatch({ a: 1 }, "x"), "x");
  });

  test("the production example patches, removes and adds documents of its base", async () => {
    const state = await loadDesiredState(path.join(REPO_ROOT, "examples/multi-env/overlays/production"));
    assert.equal(state.settings.issuer, "https://auth.example.com");
    assert.equal(state.settings.signingAlg, "ES256");
    assert.equal(state.applications.get("checkout")?.tokens.lifetimeSeconds, 600);
    assert.deepEqual(state.applications.get("checkout")?.apis.payments?.scopes, ["create:payments"]);
    assert.equal(state.applications.has("load-tester"), false);
    assert.deepEqual(state.users.get("dana")?.roles, ["finance"]);
    // The base's OpenApiSource still finds its spec inside the base folder.
    assert.ok(state.apis.get("ledger")?.scopes.some((s) => s.name === "get:accounts_accountid_entries"));
  });

  test("the staging example replaces a list of its base", async () => {
    const state = await loadDesiredState(path.join(REPO_ROOT, "examples/multi-env/overlays/staging"));
    assert.deepEqual(state.applications.get("checkout")?.apis.payments?.scopes, [
      "create:payments",
      "create:refunds",
    ]);
    assert.equal(state.applications.get("checkout")?.tokens.lifetimeSeconds, 3600);
    assert.equal(state.applications.has("load-tester"), true);
  });

  test("an error in a value the overlay set points at the overlay file", async (t) => {
    const dir = await tenant(t, {
      "base/api.yaml": API,
      "base/app.yaml": APP,
      "env/overlay.yaml": `${overlay("[../base]")}---
apiVersion: scopectl/v1
kind: Application
metadata:
  name: exporter
spec:
  apis:
    orders:
      scopes: [read:ordrs]
`,
    });
    await assertOneError(path.join(dir, "env"), {
      file: "overlay.yaml",
      line: 15,
      column: 16,
      message: /unknown scope "read:ordrs".*did you mean "read:orders"/,
    });
  });

  test("an error in a value the base set points at the base file, named from the loaded folder", async (t) => {
    const dir = await tenant(t, {
      "base/api.yaml": API,
      "base/app.yaml": APP.replace("lifetimeSeconds: 3600", "lifetimeSeconds: ten"),
      "env/overlay.yaml": overlay("[../base]"),
    });
    await assertOneError(path.join(dir, "env"), {
      file: "../base/app.yaml",
      line: 11,
      column: 22,
      message: /number/,
    });
  });

  test("a base that does not exist is an error at its entry", async (t) => {
    const dir = await tenant(t, { "env/overlay.yaml": overlay("[../nowhere]"), "env/api.yaml": API });
    await assertOneError(path.join(dir, "env"), {
      file: "overlay.yaml",
      line: 6,
      column: 11,
      message: /the base "\.\.\/nowhere" does not exist/,
    });
  });

  test("bases that form a cycle are refused", async (t) => {
    const dir = await tenant(t, {
      "a/overlay.yaml": overlay("[../b]"),
      "b/overlay.yaml": overlay("[../a]"),
      "b/api.yaml": API,
    });
    await assertOneError(path.join(dir, "a"), {
      file: "../b/overlay.yaml",
      line: 6,
      message: /the bases form a cycle: \. → \.\.\/b → \.$/,
    });
  });

  test("removing a document the bases do not have is an error naming it", async (t) => {
    const dir = await tenant(t, {
      "base/api.yaml": API,
      "env/overlay.yaml": overlay("[../base]", "  remove:\n    - { kind: Application, name: ghost }\n"),
    });
    await assertOneError(path.join(dir, "env"), {
      file: "overlay.yaml",
      line: 8,
      message: /no base document is Application "ghost"/,
    });
  });

  test("a second Overlay document in one folder is refused", async (t) => {
    const dir = await tenant(t, {
      "base/api.yaml": API,
      "env/overlay.yaml": `${overlay("[../base]")}---\n${overlay("[../base]")}`,
    });
    await assertOneError(path.join(dir, "env"), {
      file: "overlay.yaml",
      line: 9,
      message: /at most one Overlay/,
    });
  });
});
