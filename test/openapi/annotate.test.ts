/**
 * `annotateSpec` (src/openapi/annotate.ts, docs/openapi.md#annotating-a-spec-for-other-validators): the
 * copy validates with swagger-parser for 3.0, 3.1 and 2.0; every operation's security names exactly
 * the importer's scope for it; the scopes map lists each scope once, described as the import describes
 * it; the rest of the document is as it was (YAML comments too); path-item `$ref`s, bundled specs,
 * aliases, replaced security and a second annotate behave as documented.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import SwaggerParser from "@apidevtools/swagger-parser";
import { parse } from "yaml";
import type { HttpMethod } from "../../src/model/spec-import.ts";
import { type AnnotatedSpec, annotateSpec } from "../../src/openapi/annotate.ts";
import type { SpecFormat } from "../../src/openapi/files.ts";
import {
  describeOperation,
  generateScopes,
  type LoadedSpec,
  listOperations,
  loadSpec,
  SCOPE_NAME_MAX_LENGTH,
  scopeNameFor,
} from "../../src/openapi/index.ts";
import { authorizationEndpoint, tokenEndpoint } from "../../src/openapi/security-scheme.ts";
import { authorizationServerMetadata } from "../../src/server/routes/discovery.ts";
import type { Snapshot } from "../../src/server/snapshot.ts";
import { REPO_ROOT } from "../support/cli.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { FIXTURES, put, tempRoot } from "./helpers.ts";

const TEST_TIMEOUT_MS = 60_000;
const SERVER = "https://auth.example.com";
const CATALOG = path.join(REPO_ROOT, "config/specs/catalog.openapi.yaml");

type Json = Record<string, unknown>;

async function load(file: string, root = path.dirname(file)): Promise<{ spec: LoadedSpec; text: string }> {
  return { spec: await loadSpec(file, { root }), text: await readFile(file, "utf8") };
}

async function annotateFile(file: string, api = "catalog", format?: SpecFormat): Promise<AnnotatedSpec> {
  const { spec, text } = await load(file);
  return annotateSpec(spec, { api, server: SERVER, text, ...(format ? { format } : {}) });
}

function parsedCopy(annotated: AnnotatedSpec): Json {
  return (annotated.format === "json" ? JSON.parse(annotated.text) : parse(annotated.text)) as Json;
}

function schemesOf(value: Json): Record<string, Json> {
  if (value.swagger === "2.0") return value.securityDefinitions as Record<string, Json>;
  return (value.components as Json).securitySchemes as Record<string, Json>;
}

/** Every scopes map of the scheme: 3.x has one per flow, 2.0 one per scheme. */
function scopesMaps(scheme: Json): Array<Record<string, string>> {
  if (scheme.flows === undefined) return [scheme.scopes as Record<string, string>];
  return Object.values(scheme.flows as Record<string, Json>).map((f) => f.scopes as Record<string, string>);
}

/**
 * What every copy must be: valid (swagger-parser), every operation requiring exactly the importer's
 * name for it under each scheme, and each scheme's scopes map listing each of those names once, with
 * the description the import gives the scope (that of the first operation with that name).
 */
async function assertAnnotated(annotated: AnnotatedSpec, expectedSchemes: string[]): Promise<Json> {
  const value = parsedCopy(annotated);
  await SwaggerParser.validate(structuredClone(value) as never);
  assert.deepEqual(annotated.schemes, expectedSchemes);
  const schemes = schemesOf(value);
  const ops = listOperations(value.paths as Json);
  assert.ok(ops.length > 0);
  const expectedMap = new Map<string, string>();
  for (const { method, path: p, operation } of ops) {
    const scope = scopeNameFor(method, p);
    assert.deepEqual(
      (operation as Json).security,
      expectedSchemes.map((name) => ({ [name]: [scope] })),
      `${method} ${p}`,
    );
    if (!expectedMap.has(scope)) expectedMap.set(scope, describeOperation(method, p, operation));
  }
  for (const name of expectedSchemes) {
    const scheme = schemes[name];
    assert.ok(scheme, `scheme ${name}`);
    assert.equal(scheme.type, "oauth2");
    for (const map of scopesMaps(scheme)) assert.deepEqual(Object.entries(map), [...expectedMap]);
  }
  assert.deepEqual(
    annotated.operations.map((o) => [o.method, o.path, o.scope]),
    ops.map((o) => [o.method, o.path, scopeNameFor(o.method, o.path)]),
  );
  return value;
}

/** The copy with what annotate adds taken out again: it must equal the original. */
function withoutAdditions(value: Json, schemeNames: string[]): Json {
  const copy = structuredClone(value);
  for (const { method, path: p } of listOperations(copy.paths as Json)) {
    delete ((copy.paths as Json)[p] as Record<HttpMethod, Json>)[method].security;
  }
  const schemes = schemesOf(copy);
  for (const name of schemeNames) delete schemes[name];
  if (Object.keys(schemes).length === 0) {
    if (copy.swagger === "2.0") delete copy.securityDefinitions;
    else delete (copy.components as Json).securitySchemes;
  }
  return copy;
}

describe("openapi annotate: the transform", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("the catalog spec (3.0): valid, every operation its scope, the rest unchanged", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const annotated = await annotateFile(CATALOG);
    const value = await assertAnnotated(annotated, ["scopectl_catalog"]);
    assert.equal(annotated.format, "yaml");
    assert.equal(annotated.bundled, false);
    assert.deepEqual(annotated.inlined, []);
    assert.deepEqual(withoutAdditions(value, annotated.schemes), parse(await readFile(CATALOG, "utf8")));
    // The scopes map is the importer's, in its order, with its descriptions.
    const { scopes } = generateScopes((await loadSpec(CATALOG, { root: path.dirname(CATALOG) })).paths);
    assert.deepEqual(annotated.scopes, scopes);
    const scheme = schemesOf(value).scopectl_catalog as Json;
    const flows = scheme.flows as Record<string, Json>;
    assert.deepEqual(Object.keys(flows), ["clientCredentials", "authorizationCode"]);
    assert.deepEqual(
      flows.clientCredentials?.scopes,
      Object.fromEntries(scopes.map((s) => [s.name, s.description])),
    );
    assert.equal(flows.clientCredentials?.tokenUrl, `${SERVER}/oauth2/token`);
    assert.equal(flows.authorizationCode?.authorizationUrl, `${SERVER}/oauth2/authorize`);
    assert.equal(flows.authorizationCode?.tokenUrl, `${SERVER}/oauth2/token`);
  });

  test("the catalog's long path gets the importer's 64-character cut name", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const annotated = await annotateFile(CATALOG);
    const long = "/warehouses/{warehouseId}/bins/{binId}/inventory-adjustments/{adjustmentId}/approval";
    const op = annotated.operations.find((o) => o.path === long);
    assert.ok(op);
    assert.equal(op.scope, scopeNameFor("put", long));
    assert.equal(op.scope.length, SCOPE_NAME_MAX_LENGTH);
    assert.match(op.scope, /^put:warehouses_warehouseid_bins_binid_inventory_adjustm_[0-9a-f]{8}$/);
    const value = parsedCopy(annotated);
    const security = (((value.paths as Json)[long] as Json).put as Json).security;
    assert.deepEqual(security, [{ scopectl_catalog: [op.scope] }]);
  });

  test("the endpoints are the ones the server's discovery document lists", {
    timeout: TEST_TIMEOUT_MS,
  }, () => {
    for (const issuer of ["http://localhost:8080", "https://auth.example.com/tenant-a"]) {
      const metadata = authorizationServerMetadata({
        issuer,
        keys: { signer: { alg: "RS256" } },
      } as Snapshot);
      assert.equal(tokenEndpoint(issuer), metadata.token_endpoint);
      assert.equal(authorizationEndpoint(issuer), metadata.authorization_endpoint);
    }
  });

  test("3.1: a path item that is a $ref is written inline with its scopes; its target stays", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const annotated = await annotateFile(path.join(FIXTURES, "petstore-3.1.yaml"), "pets");
    const value = await assertAnnotated(annotated, ["scopectl_pets"]);
    assert.deepEqual(annotated.inlined, ["/pets/{petId}"]);
    const item = (value.paths as Json)["/pets/{petId}"] as Json;
    assert.equal(item.$ref, undefined);
    assert.deepEqual(Object.keys(item), ["get", "delete"]);
    const original = parse(await readFile(path.join(FIXTURES, "petstore-3.1.yaml"), "utf8")) as Json;
    const components = value.components as Json;
    assert.deepEqual(components.pathItems, (original.components as Json).pathItems);
    assert.deepEqual(value.webhooks, original.webhooks, "webhooks are not under paths: left alone");
  });

  test("two paths sharing one path item $ref each get their own scope", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const root = await tempRoot(t);
    const file = await put(
      root,
      "shared.yaml",
      `openapi: 3.1.0
info: { title: t, version: "1" }
paths:
  /a/{id}:
    $ref: "#/components/pathItems/Thing"
  /b/{id}:
    $ref: "#/components/pathItems/Thing"
    summary: written beside the $ref
components:
  pathItems:
    Thing:
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      get:
        summary: Get a thing
        responses: { "200": { description: OK } }
`,
    );
    const annotated = await annotateFile(file, "things");
    const value = await assertAnnotated(annotated, ["scopectl_things"]);
    assert.deepEqual(annotated.inlined, ["/a/{id}", "/b/{id}"]);
    assert.equal(((value.paths as Json)["/b/{id}"] as Json).summary, "written beside the $ref");
    const thing = ((value.components as Json).pathItems as Json).Thing as Json;
    assert.equal((thing.get as Json).security, undefined);
  });

  test("Swagger 2.0: two schemes (accessCode, application) as alternatives, in securityDefinitions", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const annotated = await annotateFile(path.join(FIXTURES, "petstore-2.0.yaml"), "pets");
    const value = await assertAnnotated(annotated, ["scopectl_pets", "scopectl_pets_application"]);
    assert.equal(value.components, undefined);
    const schemes = schemesOf(value);
    assert.equal(schemes.scopectl_pets?.flow, "accessCode");
    assert.equal(schemes.scopectl_pets?.authorizationUrl, `${SERVER}/oauth2/authorize`);
    assert.equal(schemes.scopectl_pets?.tokenUrl, `${SERVER}/oauth2/token`);
    assert.equal(schemes.scopectl_pets_application?.flow, "application");
    assert.equal(schemes.scopectl_pets_application?.tokenUrl, `${SERVER}/oauth2/token`);
    const original = parse(await readFile(path.join(FIXTURES, "petstore-2.0.yaml"), "utf8"));
    assert.deepEqual(withoutAdditions(value, annotated.schemes), original);
  });

  test("a spec with $refs to other files is written as one bundled document", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const annotated = await annotateFile(path.join(FIXTURES, "split/openapi.yaml"), "users");
    assert.equal(annotated.bundled, true);
    const value = await assertAnnotated(annotated, ["scopectl_users"]);
    assert.doesNotMatch(annotated.text, /\$ref: "?\.{1,2}\//, "no $ref to another file is left");
    assert.deepEqual(Object.keys(value.paths as Json), ["/users", "/users/{userId}"]);
  });

  test("YAML comments, key order and quoting survive; new keys go last", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const root = await tempRoot(t);
    const source = `# The orders API.
openapi: "3.0.3"
info:
  title: Orders # inline comment
  version: '1'
paths:
  # Orders, one by one.
  /orders/{orderId}:
    get:
      summary: Get an order
      parameters: [{ name: orderId, in: path, required: true, schema: { type: string } }]
      responses:
        "200": { description: OK }
components:
  schemas: {}
`;
    const file = await put(root, "orders.yaml", source);
    const annotated = await annotateFile(file, "orders");
    await assertAnnotated(annotated, ["scopectl_orders"]);
    for (const kept of [
      "# The orders API.",
      'openapi: "3.0.3"',
      "title: Orders # inline comment",
      "version: '1'",
      "  # Orders, one by one.",
    ]) {
      assert.ok(annotated.text.includes(kept), `kept: ${kept}\n${annotated.text}`);
    }
    const lines = annotated.text.split("\n");
    assert.ok(
      lines.indexOf("      security:") > lines.indexOf("      responses:"),
      "security after the operation's keys",
    );
    assert.ok(
      lines.indexOf("  securitySchemes:") > lines.indexOf("  schemas: {}"),
      "securitySchemes after schemas",
    );
  });

  test("an operation's own security is replaced and reported; other schemes and the top-level security stay", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const root = await tempRoot(t);
    const file = await put(
      root,
      "secured.json",
      `${JSON.stringify(
        {
          openapi: "3.0.3",
          info: { title: "t", version: "1" },
          security: [{ apiKey: [] }],
          paths: {
            "/keyed": { get: { security: [{ apiKey: [] }], responses: { "200": { description: "OK" } } } },
            "/public": { get: { security: [], responses: { "200": { description: "OK" } } } },
            "/plain": { get: { responses: { "200": { description: "OK" } } } },
          },
          components: { securitySchemes: { apiKey: { type: "apiKey", in: "header", name: "X-API-Key" } } },
        },
        null,
        4,
      )}\n`,
    );
    const annotated = await annotateFile(file, "orders");
    const value = await assertAnnotated(annotated, ["scopectl_orders"]);
    assert.deepEqual(
      annotated.operations.map((o) => [o.path, o.replaced]),
      [
        ["/keyed", [{ apiKey: [] }]],
        ["/public", []],
        ["/plain", undefined],
      ],
    );
    assert.deepEqual(value.security, [{ apiKey: [] }]);
    assert.deepEqual(Object.keys(schemesOf(value)), ["apiKey", "scopectl_orders"]);
    assert.equal(annotated.format, "json");
    assert.match(
      annotated.text,
      /^\{\n {4}"openapi": "3\.0\.3",\n/,
      "the JSON keeps its 4-space indentation",
    );

    // Annotating the copy changes nothing more, and replaces nothing: its security is already ours.
    const again = await put(root, "again.json", annotated.text);
    const second = await annotateFile(again, "orders");
    assert.equal(second.text, annotated.text);
    assert.deepEqual(
      second.operations.filter((o) => o.replaced !== undefined),
      [],
    );
  });

  test("annotating an annotated YAML spec gives the same copy", { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const root = await tempRoot(t);
    const first = await annotateFile(CATALOG);
    const second = await annotateFile(await put(root, "catalog.yaml", first.text));
    assert.equal(second.text, first.text);
  });

  test("YAML in, JSON out and JSON in, YAML out: the same document", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const asYaml = await annotateFile(CATALOG);
    const asJson = await annotateFile(CATALOG, "catalog", "json");
    assert.equal(asJson.format, "json");
    assert.deepEqual(JSON.parse(asJson.text), parse(asYaml.text));
    await assertAnnotated(asJson, ["scopectl_catalog"]);

    const root = await tempRoot(t);
    const jsonFile = await put(root, "catalog.json", JSON.stringify(parse(await readFile(CATALOG, "utf8"))));
    const back = await annotateFile(jsonFile, "catalog", "yaml");
    assert.equal(back.format, "yaml");
    assert.deepEqual(parse(back.text), parse(asYaml.text));
    const minified = await annotateFile(jsonFile);
    assert.equal(minified.text.split("\n").length, 2, "a minified JSON spec stays minified");
  });

  test("operations whose names collide share the one scope, listed once", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const root = await tempRoot(t);
    const file = await put(
      root,
      "collide.yaml",
      `openapi: 3.0.3
info: { title: t, version: "1" }
paths:
  /a-b:
    get: { summary: First, responses: { "200": { description: OK } } }
  /a_b:
    get: { summary: Second, responses: { "200": { description: OK } } }
`,
    );
    const annotated = await annotateFile(file, "ab");
    const value = await assertAnnotated(annotated, ["scopectl_ab"]);
    const flows = (schemesOf(value).scopectl_ab as Json).flows as Record<string, Json>;
    assert.deepEqual(flows.clientCredentials?.scopes, { "get:a_b": "First" });
    assert.deepEqual(
      annotated.operations.map((o) => o.scope),
      ["get:a_b", "get:a_b"],
    );
  });

  test("two paths sharing an operation through a YAML alias get their own scopes", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const root = await tempRoot(t);
    const file = await put(
      root,
      "alias.yaml",
      `openapi: 3.0.3
info: { title: t, version: "1" }
paths:
  /first:
    get: &shared
      summary: Shared
      responses: { "200": { description: OK } }
  /second:
    get: *shared
  /third:
    get: *shared
`,
    );
    const annotated = await annotateFile(file, "shared");
    const value = await assertAnnotated(annotated, ["scopectl_shared"]);
    assert.deepEqual(
      annotated.operations.map((o) => o.scope),
      ["get:first", "get:second", "get:third"],
    );
    assert.equal((((value.paths as Json)["/second"] as Json).get as Json).summary, "Shared");
  });
});
