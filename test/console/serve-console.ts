/**
 * The repository's own config/ tenant, served on a loopback port with the console: every file of
 * config/ copied (its issuer http://localhost:8080 rewritten to the port's), plus any extra files a test
 * adds, and passwords set for alice and bob so they can sign in.
 */
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { TestContext } from "node:test";
import { hashPassword } from "../../src/server/login/password.ts";
import { freePort } from "../support/net.ts";
import { PASSWORD } from "../support/sign-in.ts";
import { type ServedTenant, serveTenant } from "../support/token-server.ts";

const CONFIG = path.resolve(import.meta.dirname, "../../config");
const DEFAULT_ISSUER = "http://localhost:8080";

export { PASSWORD };

/** Every file under config/, by its path there, with the issuer replaced. */
export async function configFiles(issuer: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(CONFIG, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    const text = await readFile(full, "utf8");
    files[path.relative(CONFIG, full).split(path.sep).join("/")] = text.replaceAll(DEFAULT_ISSUER, issuer);
  }
  assert.ok(files["apis.yaml"] && files["specs/catalog.openapi.yaml"], "config/ was read");
  return files;
}

export interface ServedConsole {
  tenant: ServedTenant;
  issuer: string;
}

export async function serveConsole(
  t: TestContext,
  extra: Record<string, string> = {},
): Promise<ServedConsole> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const tenant = await serveTenant(t, { ...(await configFiles(issuer)), ...extra }, { port, issuer });
  const hash = await hashPassword(PASSWORD);
  const now = new Date().toISOString();
  for (const user of ["alice", "bob"]) await tenant.store.setPassword(user, hash, now);
  return { tenant, issuer };
}
