/**
 * `scopectl openapi upload` run as CI runs it (a child process, credentials in the environment) against
 * the real token service and its real management endpoint (PUT /v1/apis/{api}/openapi, a real SQLite
 * store): applied, no changes, a dry run (exit 2, nothing written), a replacement, a 403 naming the
 * missing permission, a 409 naming the holders, a bad spec named after the local file, an unknown Api,
 * a token for the wrong audience, a wrong secret. No run prints the client secret or a token. What the
 * real server never does, and the refusals before the network: openapi-upload-refusals.test.ts.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, type TestContext, test } from "node:test";
import { parse } from "yaml";
import { clientName, managementFiles, ORDERS, P, SPEC_V1, SPEC_V2 } from "../support/management-tenant.ts";
import { serveUserTenant } from "../support/sign-in.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import type { ServedTenant } from "../support/token-server.ts";
import { type UploadRun as Run, runUpload, writeSpec } from "../support/upload-cli.ts";

const TEST_TIMEOUT_MS = 180_000;
const FULL = [P.create, P.update, P.remove];
const UPLOAD_ONLY = [P.create, P.update];

let dir = "";
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-upload-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const specFile = (name: string, content: string) => writeSpec(dir, name, content);
const upload = (args: readonly string[], run: Run) => runUpload(dir, args, run);

async function tenantFor(t: TestContext, extra: Parameters<typeof managementFiles>[0] = {}) {
  return (await serveUserTenant(t, {}, managementFiles(extra))).tenant;
}

/** A run as the m2m client holding `perms` at the management Api. */
function as(tenant: ServedTenant, perms: readonly string[]): Run {
  const clientId = clientName(perms);
  const secret = tenant.secrets.get(clientId);
  assert.ok(secret, `no secret for ${clientId}`);
  return { server: tenant.url, clientId, secret };
}

const ordersScopes = async (tenant: ServedTenant) =>
  (await tenant.store.list("Scope"))
    .filter((r) => r.props.api === "orders")
    .map((r) => r.props.name)
    .sort();

describe("scopectl openapi upload against the real server", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("applied (exit 0), the same file again (no changes, exit 0), a dry run of a replacement (exit 2, nothing written), the replacement", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const tenant = await tenantFor(t);
    const v1 = await specFile("openapi.yaml", SPEC_V1);
    const v2 = await specFile("openapi-v2.json", JSON.stringify(parse(SPEC_V2)));
    const run = as(tenant, FULL);
    const start = await tenant.store.revision();

    const applied = await upload([v1, "--api", "orders"], run);
    assert.equal(applied.status, 0, applied.stderr);
    assert.match(
      applied.stdout,
      /^openapi\.yaml → Api "orders" \(OpenApiSource "orders-spec"\): first upload, \d+ bytes, sha256 [0-9a-f]{64}$/m,
    );
    assert.match(applied.stdout, /^ {2}GET \/orders: creates get:orders$/m);
    assert.match(applied.stdout, /^ {2}GET \/health: duplicate of the manual scope get:health$/m);
    assert.match(applied.stdout, /^4 operations: 3 created, 1 duplicate, 0 reserved$/m);
    const revision = await tenant.store.revision();
    assert.equal(revision, start + 1);
    assert.match(applied.stdout, new RegExp(`^Applied at revision ${revision}\\.$`, "m"));
    assert.ok((await ordersScopes(tenant)).includes("post:orders"));

    const again = await upload([v1, "--api", "orders"], run);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /^No changes: Api "orders" already has this spec\.$/m);
    assert.equal(await tenant.store.revision(), revision, "nothing written");

    const dry = await upload([v2, "--api", "orders", "--dry-run"], run);
    assert.equal(dry.status, 2, dry.stderr);
    assert.match(dry.stdout, /: dry run of a replacement, /);
    assert.match(dry.stdout, /^ {2}DELETE \/orders\/\{orderId\}: creates delete:orders_orderid$/m);
    assert.match(dry.stdout, /^ {2}removes post:orders, which the previous spec generated$/m);
    assert.match(dry.stdout, /; 1 removed$/m);
    assert.match(dry.stdout, /^Dry run: this upload would change Api "orders"; nothing was written\.$/m);
    assert.equal(await tenant.store.revision(), revision, "a dry run writes nothing");
    assert.ok((await ordersScopes(tenant)).includes("post:orders"));

    const replaced = await upload([v2, "--api", "orders", "--json"], run);
    assert.equal(replaced.status, 0, replaced.stderr);
    assert.equal(replaced.stderr, "");
    const answer = JSON.parse(replaced.stdout) as {
      dryRun: boolean;
      changed: boolean;
      import: { action: string; revision: number; log: { action: string; scope: string }[] };
    };
    assert.equal(answer.dryRun, false);
    assert.equal(answer.changed, true);
    assert.equal(answer.import.action, "replace");
    assert.equal(answer.import.revision, revision + 1);
    assert.deepEqual(
      answer.import.log.filter((e) => e.action === "removed").map((e) => e.scope),
      ["post:orders"],
    );
    const scopes = await ordersScopes(tenant);
    assert.ok(!scopes.includes("post:orders") && scopes.includes("delete:orders_orderid"), scopes.join(" "));

    // The import is the server's, with the client as its actor.
    const [record] = await tenant.store.imports();
    assert.equal(record?.action, "replace");
    const [latest] = await tenant.store.revisions(1);
    assert.equal(latest?.actor, `client:${run.clientId}`);

    const dryAgain = await upload([v2, "--api", "orders", "--dry-run", "--json"], run);
    assert.equal(dryAgain.status, 0, "a dry run that would change nothing exits 0");
    assert.equal(JSON.parse(dryAgain.stdout).changed, false);
  });

  test("a 403 names the missing permission from the challenge: a replacement without delete:api_scopes, an upload without update:apis", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const tenant = await tenantFor(t);
    const v1 = await specFile("v1.yaml", SPEC_V1);
    const v2 = await specFile("v2.yaml", SPEC_V2);

    const createOnly = await upload([v1, "--api", "orders"], as(tenant, [P.create]));
    assert.equal(createOnly.status, 1);
    assert.match(
      createOnly.stderr,
      /^error: the server refused the upload of v1\.yaml to Api "orders": client "m-c" lacks the management permission update:apis at http:\/\/127\.0\.0\.1:\d+\/v1 \(a first upload needs create:api_scopes and update:apis, a replacement also delete:api_scopes\); enable it for its Application in the config repository$/m,
    );

    // A client without delete:api_scopes still makes the first upload: no scope is asked for.
    const uploader = as(tenant, UPLOAD_ONLY);
    const first = await upload([v1, "--api", "orders"], uploader);
    assert.equal(first.status, 0, first.stderr);
    const revision = await tenant.store.revision();
    for (const extra of [[], ["--dry-run"]]) {
      const refused = await upload([v2, "--api", "orders", ...extra], uploader);
      assert.equal(refused.status, 1, refused.stdout);
      assert.match(refused.stderr, /client "m-cu" lacks the management permission delete:api_scopes at /);
    }
    const json = await upload([v2, "--api", "orders", "--json"], uploader);
    assert.equal(json.status, 1);
    assert.equal(JSON.parse(json.stdout).code, "management.insufficient-scope");
    assert.equal(await tenant.store.revision(), revision, "nothing written");
  });

  test("a 409 names the holders of a scope the upload would remove (text and --json)", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const tenant = await tenantFor(t);
    const v1 = await specFile("held-v1.yaml", SPEC_V1);
    const v2 = await specFile("held-v2.yaml", SPEC_V2);
    const run = as(tenant, FULL);
    assert.equal((await upload([v1, "--api", "orders"], run)).status, 0);
    await tenant.apply(managementFiles({ grantGenerated: true })(new URL(tenant.url).origin));
    const revision = await tenant.store.revision();

    const text = await upload([v2, "--api", "orders", "--dry-run"], run);
    assert.equal(text.status, 1);
    assert.match(
      text.stderr,
      /^error: the server refused the upload of held-v2\.yaml to Api "orders" \(409 conflict: .*Role clerk \(orders\/post:orders\).*\)$/m,
    );

    const json = await upload([v2, "--api", "orders", "--json"], run);
    assert.equal(json.status, 1);
    const answer = JSON.parse(json.stdout);
    assert.equal(answer.code, "management.conflict");
    assert.deepEqual(answer.holders, [
      { kind: "Role", id: "clerk", managedBy: "scopectl", scopes: ["orders/post:orders"] },
    ]);
    assert.equal(await tenant.store.revision(), revision, "nothing written");
  });

  test("a spec the import refuses is reported at the local file; an unknown Api is a 404; a token for another audience a 401", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const tenant = await tenantFor(t);
    const run = as(tenant, FULL);
    const bad = await specFile(
      "broken.yaml",
      "openapi: 3.0.3\ninfo: { title: x, version: '1' }\npaths: [1, 2]\n",
    );
    const refused = await upload([bad, "--api", "orders"], run);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^error: broken\.yaml(:\d+:\d+)?: /m);
    assert.doesNotMatch(refused.stderr, /upload\.yaml/);
    assert.match(refused.stderr, /1 error in 1 file; nothing was changed\./);

    const v1 = await specFile("any.yaml", SPEC_V1);
    const unknown = await upload([v1, "--api", "ordrs"], run);
    assert.equal(unknown.status, 1);
    assert.match(
      unknown.stderr,
      /^error: the server refused the upload of any\.yaml to Api "ordrs" \(404 not_found: .*\)$/m,
    );

    // The client is authorized for the orders Api too: its token for that audience is no management token.
    const wrongAudience = await upload([v1, "--api", "orders"], {
      ...run,
      env: { SCOPECTL_AUDIENCE: ORDERS },
    });
    assert.equal(wrongAudience.status, 1);
    assert.match(
      wrongAudience.stderr,
      /\(401 invalid_token: .*\): the token of client "m-cud" was for audience https:\/\/orders\.example; .*--audience or SCOPECTL_AUDIENCE$/m,
    );

    // An audience the client is not authorized for is refused at the token endpoint.
    const notAuthorized = await upload([v1, "--api", "orders", "--audience", "https://nowhere.example"], run);
    assert.equal(notAuthorized.status, 1);
    assert.match(
      notAuthorized.stderr,
      /^error: the token endpoint refused client "m-cud" for audience https:\/\/nowhere\.example \(400 invalid_target: .*\); the client must be an m2m Application authorized for the management Api/m,
    );

    const wrongSecret = await upload([v1, "--api", "orders"], {
      ...run,
      secret: "scs_not-the-secret-at-all-but-long-enough",
    });
    assert.equal(wrongSecret.status, 1);
    assert.match(
      wrongSecret.stderr,
      /invalid_client: client authentication failed\); check SCOPECTL_CLIENT_ID and SCOPECTL_CLIENT_SECRET$/m,
    );
    assert.equal((await tenant.store.imports()).length, 0, "nothing imported");
  });
});
