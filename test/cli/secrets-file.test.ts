/** The secrets file rules (src/cli/secrets-file.ts) on a real file system, without the CLI around them. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { link, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, type TestContext, test } from "node:test";
import { SecretsFile, SecretsFileError } from "../../src/cli/secrets-file.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-secrets-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe("SecretsFile", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("create: a new 0600 file; an existing one is refused; nothing written means no file left", async (t) => {
    const dir = await tempDir(t);
    const file = path.join(dir, "s.json");
    const made = await SecretsFile.open(file, "create");
    await made.write("[1]\n");
    await made.close();
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    await assert.rejects(
      SecretsFile.open(file, "create"),
      /s\.json already exists; apply --secrets-out never overwrites/,
    );
    assert.equal(await readFile(file, "utf8"), "[1]\n");

    const unused = path.join(dir, "unused.json");
    await (await SecretsFile.open(unused, "create")).close();
    assert.equal(existsSync(unused), false, "a file nobody wrote to is removed");
  });

  test("append: appends to an own 0600 file, creates a missing one at 0600, and keeps an existing one on close", async (t) => {
    const dir = await tempDir(t);
    const file = path.join(dir, "s.jsonl");
    await writeFile(file, "a\n", { mode: 0o600 });
    const out = await SecretsFile.open(file, "append");
    await out.write("b\n");
    await out.close();
    assert.equal(await readFile(file, "utf8"), "a\nb\n");
    await (await SecretsFile.open(file, "append")).close();
    assert.equal(await readFile(file, "utf8"), "a\nb\n", "an existing file is never removed");

    const fresh = path.join(dir, "fresh.jsonl");
    const created = await SecretsFile.open(fresh, "append");
    await created.write("c\n");
    await created.close();
    assert.equal((await stat(fresh)).mode & 0o777, 0o600);
  });

  test("refused, each with the file named: a link, a loose mode, a FIFO (without blocking), a missing folder", async (t) => {
    const dir = await tempDir(t);
    const target = path.join(dir, "target");
    await writeFile(target, "", { mode: 0o600 });
    const link = path.join(dir, "link");
    await symlink(target, link);
    const loose = path.join(dir, "loose");
    await writeFile(loose, "", { mode: 0o640 });
    const fifo = path.join(dir, "fifo");
    execFileSync("mkfifo", ["-m", "600", fifo]);
    const cases: [string, RegExp][] = [
      [link, /link is a symbolic link; secrets are not written through a link/],
      [loose, /loose is readable or writable by others \(mode 0640\)/],
      [fifo, /fifo is not a regular file/],
      [path.join(dir, "none", "s"), /cannot write secrets to .*none\/s: its folder does not exist/],
    ];
    for (const [file, message] of cases) {
      for (const how of ["append", "create"] as const) {
        await assert.rejects(SecretsFile.open(file, how), (error: Error) => {
          assert.ok(error instanceof SecretsFileError, `${file} ${how}: ${error.message}`);
          if (how === "append" || file === path.join(dir, "none", "s")) assert.match(error.message, message);
          return true;
        });
      }
    }
    assert.equal(await readFile(target, "utf8"), "");
  });

  test("a hard-linked file (another name for the same secrets) is refused, and left as it was", async (t) => {
    const dir = await tempDir(t);
    const file = path.join(dir, "s.jsonl");
    await writeFile(file, "a\n", { mode: 0o600 });
    // A second name, e.g. in a folder others can read, that would keep receiving every new secret.
    const other = path.join(dir, "elsewhere.jsonl");
    await link(file, other);
    for (const name of [file, other]) {
      await assert.rejects(SecretsFile.open(name, "append"), (error: Error) => {
        assert.ok(error instanceof SecretsFileError, error.message);
        assert.match(error.message, /has 2 hard links/);
        assert.ok(error.message.includes(name), error.message);
        return true;
      });
    }
    assert.equal(await readFile(file, "utf8"), "a\n");
  });

  test("a symbolic link in the folders above the file is followed (a home folder often is one)", async (t) => {
    const dir = await tempDir(t);
    await mkdir(path.join(dir, "real"));
    await symlink(path.join(dir, "real"), path.join(dir, "home"));
    const out = await SecretsFile.open(path.join(dir, "home", "s.jsonl"), "append");
    await out.write("x\n");
    await out.close();
    assert.equal(await readFile(path.join(dir, "real", "s.jsonl"), "utf8"), "x\n");
  });
});
