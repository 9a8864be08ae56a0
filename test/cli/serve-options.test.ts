/**
 * Bad options of `scopectl serve` and `scopectl up`: one sentence that names the option, exit 1, and
 * nothing changed (not even a new store file).
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { runCli } from "../support/cli.ts";

const BAD: [string[], RegExp][] = [
  [["--port", "99999"], /^error: --port must be a port number from 0 to 65535, not "99999"$/m],
  [["--port", "http"], /^error: --port must be a port number from 0 to 65535, not "http"$/m],
  [["--issuer", "localhost:8080"], /^error: --issuer "localhost:8080" is not an http\(s\) URL/m],
  [
    ["--issuer", "https://auth.example.com/?tenant=a"],
    /^error: --issuer "https:\/\/auth\.example\.com\/\?tenant=a" has a query or a fragment/m,
  ],
  // The same rule as Settings.issuer: http only on a loopback host.
  [
    ["--issuer", "http://auth.example.com"],
    /^error: --issuer "http:\/\/auth\.example\.com" uses http on the host "auth\.example\.com", which is not a loopback host/m,
  ],
  [
    ["--poll-interval", "5"],
    /^error: --poll-interval must be a number of milliseconds \(at least 10\), not "5"$/m,
  ],
  [
    ["--token-reuse", "-1"],
    /^error: --token-reuse must be a whole number of seconds \(0 to turn reuse off\), not "-1"$/m,
  ],
  [["--token-reuse", "1.5"], /^error: --token-reuse must be a whole number of seconds/m],
  [["--log-level", "loud"], /^error: --log-level must be one of .*info.*, not "loud"$/m],
];

for (const command of ["serve", "up"]) {
  test(`scopectl ${command}: each bad option is one clear error and creates nothing`, async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-serve-options-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const store = path.join(dir, "store.db");
    for (const [args, message] of BAD) {
      const result = runCli([command, "--store", store, ...args], { cwd: dir });
      assert.equal(result.status, 1, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, "");
      assert.equal(existsSync(store), false, `${args.join(" ")} created the store`);
    }
  });
}
