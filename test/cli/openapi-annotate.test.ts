/**
 * `scopectl openapi annotate` run as a user runs it (docs/openapi.md#annotating-a-spec-for-other-validators):
 * the copy on stdout or in --out (its extension choosing the format), --server's default from the
 * manifest folder's Settings, the notes on stderr, and every refusal naming the file or the option and
 * writing nothing. The transform itself: test/openapi/annotate.test.ts.
 */
import assert from "node:assert/strict";
import { mkdir, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, type TestContext, test } from "node:test";
import SwaggerParser from "@apidevtools/swagger-parser";
import { parse } from "yaml";
import { formatDiagnostic, InputError } from "../../src/model/diagnostics.ts";
import { importSpec, listOperations, scopeNameFor } from "../../src/openapi/index.ts";
import { put, tempRoot } from "../openapi/helpers.ts";
import { REPO_ROOT, runCli } from "../support/cli.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

const TEST_TIMEOUT_MS = 120_000;
const CATALOG = "config/specs/catalog.openapi.yaml";

const SPEC = `openapi: 3.0.3
info: { title: Orders, version: "1" }
paths:
  /orders/{orderId}:
    get:
      summary: Get an order
      parameters: [{ name: orderId, in: path, required: true, schema: { type: string } }]
      security: [{ apiKey: [] }]
      responses: { "200": { description: OK } }
components:
  securitySchemes:
    apiKey: { type: apiKey, in: header, name: X-API-Key }
`;

type Json = Record<string, unknown>;

const annotate = (args: readonly string[], cwd: string = REPO_ROOT) =>
  runCli(["openapi", "annotate", ...args], { cwd });

/** Valid, and every operation requires exactly its generated scope under `scheme`. */
async function assertAnnotated(value: Json, scheme: string): Promise<void> {
  await SwaggerParser.validate(structuredClone(value) as never);
  const ops = listOperations(value.paths as Json);
  assert.ok(ops.length > 0);
  for (const { method, path: p, operation } of ops) {
    assert.deepEqual(
      (operation as Json).security,
      [{ [scheme]: [scopeNameFor(method, p)] }],
      `${method} ${p}`,
    );
  }
}

function flowsOf(value: Json, scheme: string): Record<string, Json> {
  const schemes = (value.components as Json).securitySchemes as Record<string, Json>;
  return schemes[scheme]?.flows as Record<string, Json>;
}

/** A folder with the spec and nothing else; the refusals check that nothing was added to it. */
async function specFolder(t: TestContext): Promise<{ dir: string; file: string }> {
  const dir = await tempRoot(t);
  return { dir, file: await put(dir, "orders.yaml", SPEC) };
}

async function assertNothingWritten(dir: string, expected: string[]): Promise<void> {
  assert.deepEqual((await readdir(dir)).sort(), [...expected].sort());
}

describe("scopectl openapi annotate", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("the config's catalog spec to stdout, --server from config/settings.yaml", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const result = annotate([CATALOG, "--api", "catalog"]);
    assert.equal(result.status, 0, result.stderr);
    const value = parse(result.stdout) as Json;
    await assertAnnotated(value, "scopectl_catalog");
    assert.equal(
      flowsOf(value, "scopectl_catalog").clientCredentials?.tokenUrl,
      "http://localhost:8080/oauth2/token",
    );
    assert.match(
      result.stderr,
      /--server not given: using the issuer http:\/\/localhost:8080 \(config\/settings\.yaml:\d+:\d+\)/,
    );
    assert.match(
      result.stderr,
      /config\/specs\/catalog\.openapi\.yaml: 13 operations annotated, 13 scopes under scopectl_catalog \(tokens from http:\/\/localhost:8080\)/,
    );
  });

  test("--out FILE.json writes JSON whatever the spec's format; --server's trailing / is dropped", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const { dir } = await specFolder(t);
    const result = annotate(
      ["orders.yaml", "--api", "orders", "--server", "https://auth.example.com/", "--out", "secured.json"],
      dir,
    );
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, "");
    const value = JSON.parse(await readFile(path.join(dir, "secured.json"), "utf8")) as Json;
    await assertAnnotated(value, "scopectl_orders");
    const flows = flowsOf(value, "scopectl_orders");
    assert.equal(flows.authorizationCode?.authorizationUrl, "https://auth.example.com/oauth2/authorize");
    assert.equal(flows.authorizationCode?.tokenUrl, "https://auth.example.com/oauth2/token");
    // The operation's own security (an API key) is replaced, and the note says so.
    assert.match(
      result.stderr,
      /GET \/orders\/\{orderId\}: its security \[\{"apiKey":\[\]\}\] is replaced by scopectl_orders with get:orders_orderid/,
    );
    assert.match(result.stderr, /written to secured\.json/);
    await assertNothingWritten(dir, ["orders.yaml", "secured.json"]);
  });

  test("without --server or a manifest folder: http://localhost:8080, said on stderr", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const { dir } = await specFolder(t);
    const result = annotate(["orders.yaml", "--api", "orders"], dir);
    assert.equal(result.status, 0, result.stderr);
    assert.match(
      result.stderr,
      /--server not given and no manifest folder \(config\/ or --root\): using http:\/\/localhost:8080/,
    );
    assert.equal(
      flowsOf(parse(result.stdout) as Json, "scopectl_orders").clientCredentials?.tokenUrl,
      "http://localhost:8080/oauth2/token",
    );
  });

  test("--root: the manifest folder's Settings issuer, its OpenApiSource's root, and a warning for another Api", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const dir = await tempRoot(t);
    await put(
      dir,
      "manifests/settings.yaml",
      "apiVersion: scopectl/v1\nkind: Settings\nmetadata: { name: default }\nspec:\n  issuer: https://auth.example.com\n",
    );
    await put(
      dir,
      "manifests/openapi.yaml",
      "apiVersion: scopectl/v1\nkind: OpenApiSource\nmetadata: { name: orders-spec }\nspec: { api: orders, file: specs/orders.yaml }\n",
    );
    // The spec's $ref leaves the spec's folder but stays inside the manifest folder: the import's root.
    await put(dir, "manifests/shared/order.yaml", "type: object\nproperties: { id: { type: string } }\n");
    await put(
      dir,
      "manifests/specs/orders.yaml",
      SPEC.replace(
        'responses: { "200": { description: OK } }',
        'responses: { "200": { description: OK, content: { application/json: { schema: { $ref: "../shared/order.yaml" } } } } }',
      ),
    );
    const result = annotate(["manifests/specs/orders.yaml", "--api", "billing", "--root", "manifests"], dir);
    assert.equal(result.status, 0, result.stderr);
    assert.match(
      result.stderr,
      /--server not given: using the issuer https:\/\/auth\.example\.com \(manifests\/settings\.yaml:5:11\)/,
    );
    assert.match(
      result.stderr,
      /warning: manifests\/specs\/orders\.yaml is the spec of Api "orders" \(OpenApiSource "orders-spec", manifests\/openapi\.yaml:\d+:\d+\), not of "billing"/,
    );
    assert.match(result.stderr, /has \$refs to other files: the copy is one document/);
    const value = parse(result.stdout) as Json;
    await assertAnnotated(value, "scopectl_billing");
    assert.equal(
      flowsOf(value, "scopectl_billing").clientCredentials?.tokenUrl,
      "https://auth.example.com/oauth2/token",
    );
  });

  test("a missing spec: the importer's error naming it; nothing written", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const { dir } = await specFolder(t);
    const result = annotate(["missing.yaml", "--api", "orders", "--out", "out.yaml"], dir);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /error: missing\.yaml: the spec does not exist/);
    assert.equal(result.stdout, "");
    await assertNothingWritten(dir, ["orders.yaml"]);
  });

  test("a spec the importer refuses is refused with the importer's error; nothing written", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const dir = await tempRoot(t);
    const cases = {
      "no-paths.yaml": "openapi: 3.0.3\ninfo: { title: t, version: '1' }\n",
      "bad-yaml.yaml": "openapi: 3.0.3\npaths: [\n",
      "outside.yaml":
        "openapi: 3.0.3\ninfo: { title: t, version: '1' }\npaths:\n  /a: { $ref: '../elsewhere.yaml' }\n",
    };
    for (const [name, content] of Object.entries(cases)) {
      const file = await put(dir, name, content);
      let expected: InputError | undefined;
      await importSpec(file, { root: dir }).catch((error: unknown) => {
        if (error instanceof InputError) expected = error;
      });
      assert.ok(expected, `${name}: the importer refuses it`);
      const result = annotate([name, "--api", "orders", "--out", "out.yaml"], dir);
      assert.equal(result.status, 1, name);
      for (const d of expected.diagnostics)
        assert.ok(result.stderr.includes(formatDiagnostic(d)), `${name}: ${result.stderr}`);
      assert.equal(result.stdout, "");
    }
    await assertNothingWritten(dir, Object.keys(cases));
  });

  test("a bad --server, --api or --out extension is refused naming the option, before anything is read", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const { dir } = await specFolder(t);
    const refusals: Array<[string[], RegExp]> = [
      [
        ["--server", "http://auth.example.com"],
        /--server "http:\/\/auth\.example\.com" uses http on the host "auth\.example\.com", which is not a loopback host/,
      ],
      [
        ["--server", "https://ci:s3cret-pw@auth.example.com"],
        /--server "https:\/\/\*+@auth\.example\.com\/?" has a user name or password/,
      ],
      [["--server", "auth.example.com"], /--server "auth\.example\.com" is not an http\(s\) URL/],
      [["--server", "https://auth.example.com/?tenant=a"], /--server .* has a query or a fragment/],
      [["--out", "out.txt"], /--out "out\.txt" must end in \.json, \.yaml or \.yml/],
    ];
    for (const [extra, message] of refusals) {
      const result = annotate(["orders.yaml", "--api", "orders", "--out", "out.yaml", ...extra], dir);
      assert.equal(result.status, 1, extra.join(" "));
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /s3cret-pw/);
    }
    const api = annotate(["orders.yaml", "--api", "Orders", "--out", "out.yaml"], dir);
    assert.equal(api.status, 1);
    assert.match(api.stderr, /--api "Orders" is not an Api name/);
    await assertNothingWritten(dir, ["orders.yaml"]);
  });

  test("an --out that cannot be written is refused naming it; nothing is left behind", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const { dir } = await specFolder(t);
    await mkdir(path.join(dir, "a-folder.yaml"));
    const cases: Array<[string, RegExp]> = [
      [
        "no/such/folder/out.yaml",
        /--out "no\/such\/folder\/out\.yaml" cannot be written: its folder does not exist; nothing was written/,
      ],
      [
        "orders.yaml/out.yaml",
        /--out "orders\.yaml\/out\.yaml" cannot be written: a part of its path is a file, not a folder/,
      ],
      ["a-folder.yaml", /--out "a-folder\.yaml" cannot be written: it is a folder/],
    ];
    for (const [out, message] of cases) {
      const result = annotate(["orders.yaml", "--api", "orders", "--out", out], dir);
      assert.equal(result.status, 1, out);
      assert.match(result.stderr, message);
    }
    await assertNothingWritten(dir, ["a-folder.yaml", "orders.yaml"]);
    assert.deepEqual(await readdir(path.join(dir, "a-folder.yaml")), []);
    assert.equal(await readFile(path.join(dir, "orders.yaml"), "utf8"), SPEC);
  });

  test("--out may be the spec itself: annotated in place", { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const { dir } = await specFolder(t);
    const result = annotate(
      ["orders.yaml", "--api", "orders", "--server", "https://auth.example.com", "--out", "orders.yaml"],
      dir,
    );
    assert.equal(result.status, 0, result.stderr);
    await assertAnnotated(
      parse(await readFile(path.join(dir, "orders.yaml"), "utf8")) as Json,
      "scopectl_orders",
    );
    await assertNothingWritten(dir, ["orders.yaml"]);
  });

  test("--help explains the command with examples", { timeout: TEST_TIMEOUT_MS }, () => {
    const result = annotate(["--help"]);
    assert.equal(result.status, 0, result.stderr);
    for (const expected of [
      "--api <name>",
      "--server <url>",
      "--out <file>",
      "--root <dir>",
      "Examples:",
      "scopectl openapi annotate config/specs/catalog.openapi.yaml --api catalog",
    ]) {
      assert.ok(result.stdout.includes(expected), expected);
    }
  });
});
