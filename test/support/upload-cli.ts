/**
 * `scopectl openapi upload` run as CI runs it: a child process (runCliAsync, so that a server in this
 * process keeps answering), the client credentials in its environment, and a check that nothing it
 * printed holds the client secret or an access token.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { type CliResult, runCliAsync } from "./cli.ts";

/** A JWT (the access tokens are RFC 9068 JWTs). */
export const JWT = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\./;

export interface UploadRun {
  server: string;
  clientId?: string;
  secret?: string;
  env?: NodeJS.ProcessEnv;
}

export function assertNoSecrets(printed: string, secrets: readonly string[]): void {
  for (const secret of secrets) assert.ok(!printed.includes(secret), "the client secret was printed");
  assert.doesNotMatch(printed, JWT, "a token was printed");
  assert.doesNotMatch(printed, /scs_[A-Za-z0-9]/, "a client secret was printed");
}

/** Writes `content` to `dir/name`; returns `name`, the path as the CLI (working in `dir`) is given it. */
export async function writeSpec(dir: string, name: string, content: string): Promise<string> {
  await writeFile(path.join(dir, name), content);
  return name;
}

/** `scopectl openapi upload ARGS --server URL` in `dir`; unset credentials are empty variables. */
export async function runUpload(dir: string, args: readonly string[], run: UploadRun): Promise<CliResult> {
  const result = await runCliAsync(["openapi", "upload", ...args, "--server", run.server], {
    cwd: dir,
    env: {
      SCOPECTL_CLIENT_ID: run.clientId ?? "",
      SCOPECTL_CLIENT_SECRET: run.secret ?? "",
      SCOPECTL_AUDIENCE: "",
      ...run.env,
    },
  });
  assertNoSecrets(result.stdout + result.stderr, run.secret ? [run.secret] : []);
  return result;
}
