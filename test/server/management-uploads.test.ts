/**
 * OpenAPI uploads over the management API against the real server and a real SQLite store: the same
 * logs and rows as the same specs from git; the plan of the config folder after uploads (no changes,
 * the uploaded rows left alone) and the take-over when the source switches to a file; references from
 * git to uploaded scopes, checked against the store; refusals (held scopes, git rows, generated scopes,
 * bad bodies) that change nothing; the next token; concurrent uploads.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import { planFolder } from "../../src/engine/plan-folder.ts";
import { InputError } from "../../src/model/diagnostics.ts";
import type { Store } from "../../src/store/store.ts";
import { runCli } from "../support/cli.ts";
import {
  call,
  json,
  m2mToken,
  managementFiles,
  ORDERS,
  P,
  SPEC_V1,
  SPEC_V2,
  served,
  yaml,
} from "../support/management-tenant.ts";
import { serveUserTenant } from "../support/sign-in.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { basic, postForm, type ServedTenant } from "../support/token-server.ts";

const TEST_TIMEOUT_MS = 120_000;
const FULL = [P.create, P.update, P.remove];

async function tenantFor(
  t: Parameters<typeof serveUserTenant>[0],
  extra: Parameters<typeof managementFiles>[0] = {},
) {
  return served(await serveUserTenant(t, {}, managementFiles(extra)));
}

/** The import history oldest first, without what differs by path (file name, ids, times, revisions). */
async function history(store: Store) {
  return (await store.imports()).reverse().map((r) => ({
    action: r.action,
    source: r.source,
    sha256: r.file.sha256,
    size: r.file.size,
    log: r.log,
  }));
}

async function scopeRows(store: Store) {
  return (await store.list("Scope"))
    .filter((r) => r.props.api === "orders")
    .map((r) => ({ id: r.id, props: r.props }));
}

describe("management API: OpenAPI uploads", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("upload, replacement and deletion leave the same logs and scope rows as the same specs from git", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const git = await tenantFor(t, { spec: SPEC_V1 });
    const http = await tenantFor(t);
    const issuer = new URL(http.tenant.url).origin;
    const gitFiles = (extra: Parameters<typeof managementFiles>[0]) =>
      managementFiles(extra)(new URL(git.tenant.url).origin);
    const token = await m2mToken(http.tenant, FULL, http.management);
    assert.ok(issuer);

    const steps: [string, () => Promise<unknown>, () => Promise<unknown>][] = [
      [
        "first import",
        async () => undefined,
        () => call(http.tenant, "PUT", "/apis/orders/openapi", token, yaml(SPEC_V1)),
      ],
      [
        "replacement",
        () => git.tenant.apply(gitFiles({ spec: SPEC_V2 })),
        () => call(http.tenant, "PUT", "/apis/orders/openapi", token, yaml(SPEC_V2)),
      ],
      [
        "deletion",
        () => git.tenant.apply(gitFiles({ spec: null })),
        () => call(http.tenant, "DELETE", "/apis/orders/openapi", token),
      ],
    ];
    for (const [step, viaGit, viaHttp] of steps) {
      await viaGit();
      const answer = (await viaHttp()) as { status: number; body: unknown };
      assert.equal(answer.status, 200, `${step}: ${JSON.stringify(answer.body)}`);
      assert.deepEqual(await history(http.tenant.store), await history(git.tenant.store), step);
      assert.deepEqual(await scopeRows(http.tenant.store), await scopeRows(git.tenant.store), step);
    }
    const log = (await history(http.tenant.store)).map((r) => [
      r.action,
      r.log.map((e) => `${e.action} ${e.scope}`),
    ]);
    assert.deepEqual(log, [
      [
        "upload",
        ["created get:orders", "created post:orders", "created get:orders_orderid", "duplicate get:health"],
      ],
      [
        "replace",
        [
          "duplicate get:orders",
          "duplicate get:orders_orderid",
          "created delete:orders_orderid",
          "duplicate get:health",
          "removed post:orders",
        ],
      ],
      ["delete", ["removed delete:orders_orderid", "removed get:orders", "removed get:orders_orderid"]],
    ]);
    const rows = await http.tenant.store.list("Scope");
    assert.ok(
      rows.every((r) => r.props.name !== "get:orders"),
      "the deletion removed the generated scopes",
    );
    assert.ok(
      rows.some((r) => r.props.name === "get:health" && r.props.origin === "manual"),
      "and kept the manual one",
    );
  });

  test("after uploads the config folder plans no changes and lists the uploaded rows; switching to a file takes them over", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const { tenant, management } = await tenantFor(t);
    const token = await m2mToken(tenant, FULL, management);
    assert.equal((await call(tenant, "PUT", "/apis/orders/openapi", token, yaml(SPEC_V1))).status, 200);
    assert.equal(
      (await call(tenant, "POST", "/apis/orders/scopes", token, json({ name: "export:orders" }))).status,
      201,
    );

    const { plan } = await planFolder(tenant.store, tenant.dir);
    assert.deepEqual(plan.changes, []);
    const manager = "api:m-cud";
    const uploaded = (name: string) => ({
      kind: "Scope",
      id: `orders/${name}`,
      managedBy: manager,
      reason: "generated by uploads to OpenApiSource orders-spec",
    });
    assert.deepEqual(
      plan.leftAlone.filter((r) => r.kind === "Scope"),
      [
        { kind: "Scope", id: "orders/export:orders", managedBy: manager },
        uploaded("get:orders"),
        uploaded("get:orders_orderid"),
        uploaded("post:orders"),
      ],
    );

    // The source reads a file now (V2: drops POST /orders): the plan takes the uploaded scopes over.
    await writeFile(path.join(tenant.dir, "orders.openapi.yaml"), SPEC_V2);
    const apis = managementFiles({ spec: SPEC_V2 })(new URL(tenant.url).origin)["apis.yaml"] as string;
    await writeFile(path.join(tenant.dir, "apis.yaml"), apis);
    const takeOver = (await planFolder(tenant.store, tenant.dir)).plan;
    const notes = Object.fromEntries(
      takeOver.changes.filter((c) => c.kind === "Scope").map((c) => [`${c.action} ${c.id}`, c.note]),
    );
    assert.deepEqual(notes, {
      "create orders/delete:orders_orderid": undefined,
      "update orders/get:orders": `taken over from "${manager}"`,
      "update orders/get:orders_orderid": `taken over from "${manager}"`,
      "delete orders/post:orders": `taken over from "${manager}": its OpenApiSource no longer takes uploads`,
    });
    assert.deepEqual(takeOver.conflicts, []);
    const source = takeOver.changes.find((c) => c.kind === "OpenApiSource");
    assert.equal(source?.action, "update");
    assert.deepEqual(
      takeOver.leftAlone.filter((r) => r.kind === "Scope").map((r) => r.id),
      ["orders/export:orders"],
    );
  });

  test("a git reference to a scope only uploads create is checked against the store; a replacement that drops it is refused with its holders", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const { tenant, management } = await tenantFor(t);
    await assert.rejects(
      tenant.apply(managementFiles({ grantGenerated: true })(new URL(tenant.url).origin)),
      (error: unknown) =>
        error instanceof InputError &&
        /roles\.yaml:\d+:\d+: unknown scope "post:orders" of Api "orders": the Api does not list it, and no upload/.test(
          error.message,
        ),
    );
    const token = await m2mToken(tenant, FULL, management);
    assert.equal((await call(tenant, "PUT", "/apis/orders/openapi", token, yaml(SPEC_V1))).status, 200);
    await tenant.apply(managementFiles({ grantGenerated: true })(new URL(tenant.url).origin));

    const revision = await tenant.store.revision();
    for (const route of ["/apis/orders/openapi?dryRun=true", "/apis/orders/openapi"]) {
      const refused = await call(tenant, "PUT", route, token, yaml(SPEC_V2));
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.deepEqual(refused.body.holders, [
        { kind: "Role", id: "clerk", managedBy: "scopectl", scopes: ["orders/post:orders"] },
      ]);
      assert.match(String(refused.body.error_description), /Role clerk \(orders\/post:orders\)/);
    }
    const deletion = await call(tenant, "DELETE", "/apis/orders/openapi", token);
    assert.equal(deletion.status, 409);
    assert.equal(await tenant.store.revision(), revision, "nothing written");
  });

  test("git rows, generated scopes and existing names are refused with 409 naming their owner; a dry run writes nothing", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const { tenant, management } = await tenantFor(t);
    const token = await m2mToken(tenant, [...FULL, P.edit], management);
    const dry = await call(tenant, "PUT", "/apis/orders/openapi?dryRun=true", token, yaml(SPEC_V1));
    assert.equal(dry.status, 200);
    assert.deepEqual(
      {
        dryRun: dry.body.dryRun,
        changed: dry.body.changed,
        revision: (dry.body.import as { revision: unknown }).revision,
      },
      { dryRun: true, changed: true, revision: null },
    );
    assert.deepEqual(await scopeRows(tenant.store).then((rows) => rows.map((r) => r.id)), [
      "orders/admin:orders",
      "orders/get:health",
    ]);
    assert.equal((await call(tenant, "PUT", "/apis/orders/openapi", token, yaml(SPEC_V1))).status, 200);
    const revision = await tenant.store.revision();

    const again = await call(tenant, "PUT", "/apis/orders/openapi", token, yaml(SPEC_V1));
    assert.equal(again.body.changed, false, "the active file again changes nothing");

    const cases: [string, string, ReturnType<typeof json> | undefined, RegExp][] = [
      [
        "PATCH",
        "/apis/orders/scopes/get:health",
        json({ description: "x" }),
        /managed by git \(the scopes of the Api "orders" manifest/,
      ],
      ["DELETE", "/apis/orders/scopes/admin:orders", undefined, /managed by git/],
      [
        "PATCH",
        "/apis/orders/scopes/get:orders",
        json({ description: "x" }),
        /generated by the OpenApiSource "orders-spec".*cannot be edited one by one/,
      ],
      ["DELETE", "/apis/orders/scopes/post:orders", undefined, /cannot be deleted one by one/],
      ["POST", "/apis/orders/scopes", json({ name: "get:health" }), /already has the scope "get:health"/],
      ["PUT", "/apis/management/openapi", yaml(SPEC_V1), /is the management API/],
    ];
    for (const [method, route, body, message] of cases) {
      const answer = await call(tenant, method, route, token, body);
      assert.equal(answer.status, 409, `${method} ${route}: ${JSON.stringify(answer.body)}`);
      assert.match(String(answer.body.error_description), message, `${method} ${route}`);
    }
    const notFound = await call(
      tenant,
      "PATCH",
      "/apis/orders/scopes/get:order",
      token,
      json({ description: "x" }),
    );
    assert.equal(notFound.status, 404);
    assert.match(String(notFound.body.error_description), /no scope "get:order"; did you mean "get:orders"/);
    const bad: [ReturnType<typeof json>, RegExp][] = [
      [json({ name: "has space" }), /is not a scope name/],
      [json({ name: "openid" }), /reserved OpenID Connect scope name/],
      [json({ name: "read:apis" }), /permission of the built-in management API/],
      [json({ name: "ok:name", description: 5 }), /"description" must be a string/],
      [json(["x"]), /must be a JSON object/],
    ];
    for (const [body, message] of bad) {
      const answer = await call(tenant, "POST", "/apis/orders/scopes", token, body);
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.match(String(answer.body.error_description), message);
    }
    const rename = await call(tenant, "PATCH", "/apis/orders/scopes/get:health", token, json({ name: "x" }));
    assert.equal(rename.status, 400);
    assert.equal(
      (await call(tenant, "PUT", "/apis/orders/openapi?dryRun=yes", token, yaml(SPEC_V1))).status,
      400,
    );
    assert.equal(await tenant.store.revision(), revision, "no refusal wrote anything");
  });

  test("a multipart upload; scope writes with dryRun write nothing; a file-fed Api and a spec generating a permission are refused", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const { tenant, management } = await tenantFor(t);
    const token = await m2mToken(tenant, [...FULL, P.edit], management);
    const form = new FormData();
    form.append("spec", new Blob([SPEC_V1], { type: "application/yaml" }), "orders.openapi.yaml");
    const multipart = await fetch(`${tenant.url}/v1/apis/orders/openapi`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    const uploaded = (await multipart.json()) as { import: { file: { path: string }; action: string } };
    assert.equal(multipart.status, 200, JSON.stringify(uploaded));
    assert.deepEqual([uploaded.import.action, uploaded.import.file.path], ["upload", "orders.openapi.yaml"]);
    // The import page and `scopectl history` show it, with the client as the actor.
    const page = await call(
      tenant,
      "GET",
      "/apis/orders/openapi",
      await m2mToken(tenant, [P.read], management),
    );
    const active = page.body.active as { path: string } | null;
    assert.equal(active?.path, "orders.openapi.yaml");
    assert.equal((page.body.history as { action: string }[])[0]?.action, "upload");
    const listed = runCli(["history", "--store", tenant.storeFile]);
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, /client:m-cude/);
    assert.match(listed.stdout, /upload/);

    const revision = await tenant.store.revision();
    const created = await call(
      tenant,
      "POST",
      "/apis/orders/scopes?dryRun=true",
      token,
      json({ name: "export:orders" }),
    );
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.deepEqual(
      [created.body.dryRun, created.body.action, created.body.revision],
      [true, "create", null],
    );
    assert.equal(
      (await call(tenant, "POST", "/apis/orders/scopes", token, json({ name: "export:orders" }))).status,
      201,
    );
    const written = await tenant.store.revision();
    assert.equal(written, revision + 1);
    const dryDelete = await call(tenant, "DELETE", "/apis/orders/scopes/export:orders?dryRun=true", token);
    assert.deepEqual([dryDelete.status, dryDelete.body.action], [200, "delete"]);
    const dryPatch = await call(
      tenant,
      "PATCH",
      "/apis/orders/scopes/export:orders?dryRun=true",
      token,
      json({ description: "x" }),
    );
    assert.equal(dryPatch.status, 200);
    const dryImportDelete = await call(tenant, "DELETE", "/apis/orders/openapi?dryRun=true", token);
    assert.equal(dryImportDelete.status, 200);
    assert.equal(await tenant.store.revision(), written, "no dry run wrote anything");
    assert.ok((await tenant.store.get("Scope", "orders/export:orders"))?.props.description === "");

    const permission = `openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  /api-scopes:\n    delete: {responses: {"204": {description: ok}}}\n`;
    const refused = await call(tenant, "PUT", "/apis/orders/openapi", token, yaml(permission));
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.match(
      String(refused.body.error_description),
      /the spec generates "delete:api_scopes" \(DELETE \/api-scopes\), a permission of the built-in management API/,
    );

    const fileFed = await tenantFor(t, { spec: SPEC_V1 });
    const fileToken = await m2mToken(fileFed.tenant, FULL, fileFed.management);
    const conflict = await call(fileFed.tenant, "PUT", "/apis/orders/openapi", fileToken, yaml(SPEC_V2));
    assert.equal(conflict.status, 409);
    assert.match(
      String(conflict.body.error_description),
      /takes its spec from the file orders\.openapi\.yaml \(OpenApiSource "orders-spec", managed by git/,
    );
  });

  test("bad bodies are refused as spec files are, 4xx, and change nothing", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const { tenant, management } = await tenantFor(t);
    const token = await m2mToken(tenant, FULL, management);
    const revision = await tenant.store.revision();
    const bomb = `a: &a ["x","x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\nopenapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths: {}\n`;
    const withRef = (ref: string) =>
      `openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  /a:\n    $ref: "${ref}"\n`;
    const cases: [string, { type: string; data: string }, number, RegExp][] = [
      ["not OpenAPI", yaml("hello: world\n"), 422, /not an OpenAPI 3\.x or Swagger 2\.0/],
      ["a $ref to a URL", yaml(withRef("https://evil.example/paths.yaml")), 422, /URL/],
      ["a $ref to another file", yaml(withRef("other.yaml#/paths/~1a")), 422, /an uploaded spec is one file/],
      ["an alias bomb", yaml(bomb), 422, /alias/i],
      ["invalid JSON", { type: "application/json", data: "{" }, 422, /JSON/],
      ["a wrong content type", { type: "text/plain", data: SPEC_V1 }, 415, /application\/yaml/],
      ["an empty body", yaml(""), 400, /the request body is empty/],
    ];
    for (const [what, body, status, message] of cases) {
      const answer = await call(tenant, "PUT", "/apis/orders/openapi", token, body);
      assert.equal(answer.status, status, `${what}: ${JSON.stringify(answer.body)}`);
      assert.match(String(answer.body.error_description), message, what);
    }
    // Over 20 MB: refused by its Content-Length, before the body is sent.
    const big = await fetch(`${tenant.url}/v1/apis/orders/openapi`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/yaml" },
      body: Buffer.alloc(20 * 1024 * 1024 + 1, 0x20),
    }).catch((error: unknown) => error);
    assert.ok(big instanceof Response, `the 413 reaches a client still sending: ${String(big)}`);
    assert.equal(big.status, 413);
    assert.match(String(((await big.json()) as { error_description: string }).error_description), /20/);
    assert.equal(await tenant.store.revision(), revision, "nothing written");
    assert.deepEqual(await tenant.store.imports(), []);
  });

  test("the next token carries uploaded scopes; two uploads at once both land, one after the other", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const { tenant, management } = await tenantFor(t);
    const token = await m2mToken(tenant, FULL, management);
    const ordersToken = async (server: ServedTenant) => {
      const name = "m-none";
      const res = await postForm(
        `${server.url}/oauth2/token`,
        { grant_type: "client_credentials", audience: ORDERS },
        { authorization: basic(name, server.secrets.get(name) ?? "") },
      );
      return String(res.body.scope).split(" ").sort();
    };
    assert.deepEqual(await ordersToken(tenant), ["admin:orders", "get:health"]);
    const [a, b] = await Promise.all([
      call(tenant, "PUT", "/apis/orders/openapi", token, yaml(SPEC_V1)),
      call(tenant, "PUT", "/apis/orders/openapi", token, yaml(SPEC_V2)),
    ]);
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(b.status, 200, JSON.stringify(b.body));
    const records = (await tenant.store.imports()).reverse();
    assert.deepEqual(
      records.map((r) => r.action),
      ["upload", "replace"],
    );
    const last = records[1]?.file.sha256;
    const expected = last === (a.body.import as { file: { sha256: string } }).file.sha256 ? SPEC_V1 : SPEC_V2;
    const generated =
      expected === SPEC_V1
        ? ["get:orders", "get:orders_orderid", "post:orders"]
        : ["delete:orders_orderid", "get:orders", "get:orders_orderid"];
    await tenant.served(await tenant.store.revision());
    assert.deepEqual(await ordersToken(tenant), ["admin:orders", "get:health", ...generated].sort());
  });
});
