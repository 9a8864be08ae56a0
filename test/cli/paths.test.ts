/**
 * Error positions name files as the terminal that ran the command can open them: relative to the
 * working directory (`config/apps.yaml:12:44`), or absolute when the file is outside it. This holds for
 * every kind of error the commands print, including places quoted inside a message.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { runCli } from "../support/cli.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

const API = (name: string, audience: string) =>
  `apiVersion: scopectl/v1\nkind: Api\nmetadata:\n  name: ${name}\nspec:\n  audience: ${audience}\n`;

describe("file names in errors are relative to the working directory", { timeout: SUITE_TIMEOUT_MS }, () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), "scopectl-paths-"));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  async function files(folder: string, entries: Record<string, string>): Promise<string> {
    const dir = path.join(work, folder);
    for (const [rel, text] of Object.entries(entries)) {
      await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
      await writeFile(path.join(dir, rel), text);
    }
    return dir;
  }

  test("validate: schema errors and places quoted in a message", async () => {
    await files("a/config", {
      "apis.yaml": `${API("orders", "https://o.example.com")}---\n${API("billing", "https://o.example.com")}`,
      "more/apis.yaml": `${API("catalog", "https://c.example.com")}  colour: blue\n`,
    });
    const result = runCli(["validate", "config"], { cwd: path.join(work, "a") });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^error: config\/more\/apis\.yaml:7:3: .*colour/m);
    assert.match(
      result.stderr,
      /^error: config\/apis\.yaml:13:13: audience "https:\/\/o\.example\.com" is already used by Api "orders" \(config\/apis\.yaml:6:13\)/m,
    );
  });

  test("validate from inside the folder, and of a folder outside the working directory", async () => {
    const dir = await files("b/config", {
      "apis.yaml": `${API("orders", "https://o.example.com")}  colour: blue\n`,
    });
    const inside = runCli(["validate", "."], { cwd: dir });
    assert.match(inside.stderr, /^error: apis\.yaml:7:3: /m);
    const outside = runCli(["validate", dir], { cwd: path.join(work, "a") });
    assert.ok(outside.stderr.includes(`error: ${path.join(dir, "apis.yaml")}:7:3: `), outside.stderr);
  });

  test("plan: a spec's error and an unset secret variable", async () => {
    await files("c/config", {
      "apis.yaml": `${API("orders", "https://o.example.com")}---\napiVersion: scopectl/v1\nkind: OpenApiSource\nmetadata: { name: spec }\nspec: { api: orders, file: specs/orders.yaml }\n`,
      "specs/orders.yaml": "openapi: 3.0.3\ninfo: { title: x, version: '1' }\npaths: [oops]\n",
    });
    const cwd = path.join(work, "c");
    const result = runCli(["plan", "config", "--store", path.join(work, "c.db")], { cwd });
    assert.equal(result.status, 1);
    assert.match(
      result.stderr,
      /^error: config\/specs\/orders\.yaml:3:\d+: .*\(spec of OpenApiSource "spec", config\/apis\.yaml:\d+:\d+\)/m,
    );

    await files("d/config", {
      "apis.yaml": API("orders", "https://o.example.com"),
      "apps.yaml":
        "apiVersion: scopectl/v1\nkind: Application\nmetadata: { name: exporter }\nspec:\n  type: m2m\n  secret: { fromEnv: SCOPECTL_TEST_UNSET_SECRET }\n",
    });
    const unset = runCli(["plan", "config", "--store", path.join(work, "d.db")], {
      cwd: path.join(work, "d"),
      env: { SCOPECTL_TEST_UNSET_SECRET: "" },
    });
    assert.equal(unset.status, 1);
    assert.match(
      unset.stderr,
      /^error: config\/apps\.yaml:1:1: Application "exporter" reads its client secret/m,
    );
  });

  test("an overlay's base is named from the working directory too", async () => {
    await files("e/base", { "apis.yaml": `${API("orders", "https://o.example.com")}  colour: blue\n` });
    await files("e/prod", {
      "overlay.yaml":
        "apiVersion: scopectl/v1\nkind: Overlay\nmetadata: { name: prod }\nspec:\n  bases: [../base]\n",
    });
    const result = runCli(["validate", "prod"], { cwd: path.join(work, "e") });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^error: base\/apis\.yaml:7:3: /m);
  });
});
