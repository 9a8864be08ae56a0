/**
 * `scopectl explain`: on a store applied from a small folder, a name that is not found says what the
 * command wants (a scope is `API/NAME`, a user is a metadata.name) and points at what exists; a store
 * file that does not exist is refused, not created.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { runCli } from "../support/cli.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

const MANIFESTS = `apiVersion: scopectl/v1
kind: Api
metadata:
  name: orders
spec:
  audience: https://api.example.com/orders
  scopes:
    - { name: read:orders, description: Read orders }
    - { name: write:orders, description: Write orders }
---
apiVersion: scopectl/v1
kind: Api
metadata:
  name: archive
spec:
  audience: https://api.example.com/archive
  scopes:
    - { name: read:orders, description: Read archived orders }
---
apiVersion: scopectl/v1
kind: User
metadata:
  name: alice
spec:
  email: Alice@Example.com
  additionalScopes:
    orders: [read:orders]
---
apiVersion: scopectl/v1
kind: Application
metadata:
  name: order-exporter
spec:
  type: m2m
  clientId: exporter-client
  apis:
    orders:
      scopes: [read:orders]
    archive:
      scopes: all
`;

describe("scopectl explain", { timeout: SUITE_TIMEOUT_MS }, () => {
  let dir = "";
  let store = "";
  const explain = (...args: string[]) => runCli(["explain", ...args, "--store", store], { cwd: dir });
  /** A failure: exit 1, nothing on stdout, one `error:` line whose text is returned. */
  const failure = (...args: string[]): string => {
    const result = explain(...args);
    assert.equal(result.status, 1, result.stdout + result.stderr);
    assert.equal(result.stdout, "");
    return result.stderr;
  };

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-explain-"));
    await mkdir(path.join(dir, "config"));
    await writeFile(path.join(dir, "config", "tenant.yaml"), MANIFESTS);
    store = path.join(dir, "store.db");
    const applied = runCli(["apply", "config", "--yes", "--store", store], { cwd: dir });
    assert.equal(applied.status, 0, applied.stderr);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test("a scope without its Api names the one Api that has it", () => {
    const stderr = failure("scope", "write:orders");
    assert.match(stderr, /a scope is named API\/NAME/);
    assert.match(stderr, /scopectl explain scope orders\/write:orders/);
  });

  test("a scope name that several Apis have lists each", () => {
    const stderr = failure("scope", "read:orders");
    assert.match(stderr, /a scope is named API\/NAME/);
    assert.match(stderr, /archive\/read:orders/);
    assert.match(stderr, /orders\/read:orders/);
  });

  test("a scope name no Api has says so, with the form and a near name", () => {
    assert.match(
      failure("scope", "read:order"),
      /no Api has a scope named "read:order"; a scope is named API\/NAME; did you mean "archive\/read:orders"\?/,
    );
    assert.match(
      failure("scope", "zzz"),
      /no Api has a scope named "zzz"; a scope is named API\/NAME, e\.g\. (archive|orders)\/[a-z:]+$/m,
    );
  });

  test("an unknown Api or an unknown scope of a known Api is named", () => {
    assert.match(
      failure("scope", "ordrs/read:orders"),
      /no Api "ordrs" in the store; did you mean "orders"\?/,
    );
    assert.match(
      failure("scope", "orders/read:order"),
      /the Api orders has no scope "read:order"; did you mean "orders\/read:orders"\?/,
    );
    assert.match(
      failure("scope", "archive/write:orders"),
      /the Api archive has no scope "write:orders"; did you mean "orders\/write:orders"\?/,
    );
    assert.match(
      failure("scope", "orders/read:invoices"),
      /the Api orders has no scope "read:invoices" \(its scopes: read:orders, write:orders\)/,
    );
  });

  test("a known scope is still explained", () => {
    const result = explain("scope", "orders/read:orders");
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /users: +alice \(additional\)/);
    assert.match(result.stdout, /applications: order-exporter/);
  });

  test("explain user with an email names the user that has it", () => {
    const stderr = failure("user", "alice@example.com");
    assert.match(stderr, /explain user takes the User's metadata\.name/);
    assert.match(stderr, /alice@example\.com is the email address of alice: try scopectl explain user alice/);
  });

  test("explain user with an unknown name lists the users", () => {
    assert.match(failure("user", "alicia"), /no User "alicia" in the store; did you mean "alice"\?/);
    assert.match(failure("user", "zed"), /no User "zed" in the store \(its users: alice\)/);
  });

  test("explain app shows an application's scopes per Api, by name or client id", () => {
    for (const name of ["order-exporter", "exporter-client"]) {
      const result = explain("app", name);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /Application order-exporter \(client id exporter-client, m2m\)/);
      assert.match(result.stdout, /orders +https:\/\/api\.example\.com\/orders +read:orders/);
      assert.match(
        result.stdout,
        /archive +https:\/\/api\.example\.com\/archive +read:orders \(all of the Api's scopes\)/,
      );
    }
    assert.match(
      failure("app", "order-exportr"),
      /no Application "order-exportr" in the store; did you mean "order-exporter"\?/,
    );
  });

  test("with --json a miss is one JSON document on stdout, nothing on stderr", () => {
    for (const args of [
      ["scope", "write:orders"],
      ["user", "zed"],
      ["app", "nope"],
    ]) {
      const result = explain(...args, "--json");
      assert.equal(result.status, 1, result.stderr);
      assert.equal(result.stderr, "");
      const { error } = JSON.parse(result.stdout) as { error: string };
      assert.match(error, /^(a scope is named API\/NAME|no User "zed"|no Application "nope")/);
    }
  });

  test("a store file that does not exist is refused, not created", () => {
    const missing = path.join(dir, "nowhere", "store.db");
    for (const args of [
      ["user", "alice"],
      ["scope", "orders/read:orders"],
    ]) {
      const result = runCli(["explain", ...args, "--store", missing], { cwd: dir });
      assert.equal(result.status, 1);
      assert.match(result.stderr, /there is no store at .*nowhere.*store\.db: apply the manifests first/);
    }
    assert.equal(existsSync(path.dirname(missing)), false);
  });
});
