/**
 * `scopectl up` follows the manifest folder however it changes: a save that replaces the file (write a
 * temp file, rename it over the old one, as vim and `sed -i` do), a new file in a new folder, a deleted
 * file, an edit of a spec an OpenApiSource reads, and a burst of saves, which is applied once. One `up`
 * runs on a copy of config/ in a git repository; each step waits for the store to show its change.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { renameSync, writeFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, type TestContext, test } from "node:test";
import { openSqliteStore } from "../../src/store/sqlite/open.ts";
import type { Store } from "../../src/store/store.ts";
import { CLI_ARGV } from "../support/cli.ts";
import { type GitTenant, gitTenant } from "../support/git-tenant.ts";
import { freePort } from "../support/net.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { waitFor } from "../support/wait.ts";

/**
 * Replaces `file` the way an editor's atomic save does: a temp file beside it, renamed over it at once
 * (the old file's inode is gone; whatever watched it hears nothing more).
 */
function atomicSave(file: string, content: string): void {
  const temp = path.join(path.dirname(file), `${path.basename(file)}.tmp-${process.pid}`);
  writeFileSync(temp, content);
  renameSync(temp, file);
}

async function edit(file: string, from: string, to: string): Promise<string> {
  const text = await readFile(file, "utf8");
  assert.ok(text.includes(from), `${file} has no ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

describe("scopectl up --watch", { timeout: SUITE_TIMEOUT_MS }, () => {
  let tenant: GitTenant;
  let child: ChildProcess;
  let store: Store | undefined;
  let stdout = "";
  let stderr = "";
  const cleanups: (() => Promise<unknown> | unknown)[] = [];

  before(async () => {
    // gitTenant registers its temp folder's removal with `after`; a suite hook has none, so collect it.
    const hooks = { after: (fn: () => unknown) => cleanups.push(fn) } as unknown as TestContext;
    tenant = await gitTenant(hooks);
    const port = await freePort();
    child = spawn(
      process.execPath,
      [
        ...CLI_ARGV,
        "up",
        "config",
        "--store",
        tenant.store,
        "--port",
        String(port),
        "--issuer",
        `http://127.0.0.1:${port}`,
      ],
      {
        cwd: tenant.repo,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, NO_COLOR: "1", SCOPECTL_LOG_LEVEL: "warn" },
      },
    );
    child.stdout?.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr?.on("data", (chunk) => {
      stderr += chunk;
    });
    await waitFor("up to start watching", () => /^Watching /m.test(stdout) || child.exitCode !== null);
    assert.equal(child.exitCode, null, stderr);
    store = await openSqliteStore(tenant.store);
  });

  after(async () => {
    await store?.close();
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      const exited = once(child, "exit");
      const guard = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(guard);
    }
    for (const cleanup of cleanups) await cleanup();
  });

  const db = (): Store => store as Store;
  const exporterScopes = async () =>
    (await db().get("Application", "order-exporter"))?.props.apis.orders?.scopes ?? [];

  test("a save that renames a temp file over the manifest is applied", { timeout: 60_000 }, async () => {
    const file = path.join(tenant.config, "applications.yaml");
    atomicSave(
      file,
      await edit(
        file,
        "scopes: [read:orders, read:invoices]",
        "scopes: [read:orders, read:invoices, cancel:orders]",
      ),
    );
    await waitFor("cancel:orders on order-exporter", async () =>
      (await exporterScopes()).includes("cancel:orders"),
    );
    // A second atomic save of the same file: the watch survived the first rename.
    atomicSave(
      file,
      await edit(
        file,
        "scopes: [read:orders, read:invoices, cancel:orders]",
        "scopes: [read:orders, read:invoices, write:orders]",
      ),
    );
    await waitFor("write:orders instead of cancel:orders", async () => {
      const scopes = await exporterScopes();
      return scopes.includes("write:orders") && !scopes.includes("cancel:orders");
    });
    // And an edit in place of the file that replaced the old one.
    writeFileSync(file, await edit(file, "read:invoices, write:orders", "read:invoices"));
    await waitFor("write:orders removed again", async () => {
      const scopes = await exporterScopes();
      return scopes.length > 0 && !scopes.includes("write:orders");
    });
  });

  test("a new file in a new folder is applied, and deleting it removes what it declared", async () => {
    await tenant.write(
      "team/watch-role.yaml",
      [
        "apiVersion: scopectl/v1",
        "kind: Role",
        "metadata:",
        "  name: watch-test",
        "spec:",
        "  displayName: Watch test",
        "  description: Declared by a file made while up runs",
        "  scopes:",
        "    orders: [read:orders]",
        "",
      ].join("\n"),
    );
    await waitFor("Role watch-test in the store", async () => db().get("Role", "watch-test"));
    await tenant.remove("team/watch-role.yaml");
    await waitFor("Role watch-test gone", async () => !(await db().get("Role", "watch-test")));
  });

  test("an edit of a spec that an OpenApiSource reads is applied", async () => {
    const spec = path.join(tenant.config, "specs/catalog.openapi.yaml");
    await writeFile(
      spec,
      await edit(
        spec,
        "paths:\n",
        'paths:\n  /widgets:\n    get:\n      summary: List widgets\n      responses:\n        "200": { description: Widgets }\n',
      ),
    );
    await waitFor("scope catalog/get:widgets", async () => db().get("Scope", "catalog/get:widgets"));
  });

  test("a burst of saves is applied once, with the last content", async () => {
    const file = path.join(tenant.config, "roles.yaml");
    const text = await readFile(file, "utf8");
    const before = await db().revision();
    // Back to back, synchronously: an editor's "save all", or a formatter rewriting files.
    for (let i = 1; i <= 5; i++) {
      writeFileSync(file, text.replace("Maintains products, prices and stock", `burst ${i}`));
    }
    await waitFor(
      "the last save applied",
      async () => (await db().get("Role", "catalog-editor"))?.props.description === "burst 5",
    );
    assert.equal(await db().revision(), before + 1, stderr);
    assert.equal(child.exitCode, null, stderr);
  });
});
