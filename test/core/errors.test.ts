/**
 * The error codes (core/errors.ts) are a closed, documented set; each has an exit code and maybe a hint
 * in the CLI's table (cli/exit-codes.ts); each error class carries its code and its name; and the CLI
 * prints the code beside the message of a --json failure.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { ERROR_OUTCOMES, EXIT_FAILURE, failureOutcome } from "../../src/cli/exit-codes.ts";
import { SecretsFileError } from "../../src/cli/secrets-file.ts";
import { ERROR_CODES, type ErrorCode, isErrorCode, ScopectlError } from "../../src/core/errors.ts";
import { LoopStoppedError } from "../../src/gitops/pass-schedule.ts";
import { WebhookError, WebhookIgnored } from "../../src/gitops/webhook.ts";
import { InputError } from "../../src/model/diagnostics.ts";
import { OwnershipError } from "../../src/pulumi/ownership.ts";
import { MasterKeyError } from "../../src/server/keys/master-key.ts";
import { LoginFormError } from "../../src/server/login/login-form-token.ts";
import { RedirectedError, UntrustedRequestError } from "../../src/server/oauth/authorization-request.ts";
import { OAuthError, RateLimitedError } from "../../src/server/oauth/errors.ts";
import { runCli } from "../support/cli.ts";

/** `area.what`, each part lowercase words joined by `-`. */
const CODE_FORM = /^[a-z]+(-[a-z]+)*\.[a-z]+(-[a-z]+)*$/;

describe("error codes", () => {
  test("every code is dotted and described, and has exactly one outcome in the CLI's table", {
    timeout: 10_000,
  }, () => {
    const codes = Object.keys(ERROR_CODES);
    assert.ok(codes.length > 0);
    assert.deepEqual(Object.keys(ERROR_OUTCOMES).sort(), [...codes].sort());
    for (const code of codes) {
      assert.match(code, CODE_FORM);
      assert.ok(isErrorCode(code));
      assert.ok(ERROR_CODES[code as ErrorCode].length > 10, `${code} has a description`);
      const { exitCode, hint } = ERROR_OUTCOMES[code as ErrorCode];
      assert.ok(Number.isInteger(exitCode) && exitCode >= 1 && exitCode <= 125, `${code}: ${exitCode}`);
      // 2 is `plan --detailed-exitcode`'s "the plan has changes", which is no failure.
      assert.notEqual(exitCode, 2, code);
      if (hint !== undefined) assert.ok(hint.length > 0, code);
    }
    assert.equal(isErrorCode("store.lockd"), false);
    assert.equal(isErrorCode("toString"), false);
  });

  test("a coded error's outcome comes from the table; anything else exits 1 without a hint", {
    timeout: 10_000,
  }, () => {
    assert.deepEqual(
      failureOutcome(new ScopectlError("git.remote", "cannot fetch")),
      ERROR_OUTCOMES["git.remote"],
    );
    assert.ok(ERROR_OUTCOMES["git.remote"].hint, "git.remote has a hint");
    assert.deepEqual(failureOutcome(new Error("boom")), { exitCode: EXIT_FAILURE });
    assert.deepEqual(failureOutcome("not an error"), { exitCode: EXIT_FAILURE });
  });
});

describe("error classes", () => {
  const oauth = new OAuthError("invalid_grant", "the code was used");
  const cases: [error: Error, name: string, code: ErrorCode, staticCode?: string][] = [
    [new InputError([{ file: "a.yaml", message: "bad" }]), "InputError", "input.invalid", InputError.code],
    [new LoopStoppedError(), "LoopStoppedError", "sync.stopped", LoopStoppedError.code],
    [new WebhookError(403, "forbidden", "unsigned"), "WebhookError", "webhook.refused", WebhookError.code],
    [oauth, "OAuthError", "oauth.invalid-grant"],
    [new RateLimitedError(30), "OAuthError", "oauth.rate-limited"],
    [new RedirectedError("https://app/cb", "s", oauth), "RedirectedError", "oauth.invalid-grant"],
    [
      new UntrustedRequestError("no"),
      "UntrustedRequestError",
      "authorize.untrusted",
      UntrustedRequestError.code,
    ],
    [new LoginFormError("expired"), "LoginFormError", "login.form", LoginFormError.code],
    [new MasterKeyError("kid1", "wrong key"), "MasterKeyError", "master-key.invalid"],
    [new MasterKeyError("kid1", "not set", "master-key.missing"), "MasterKeyError", "master-key.missing"],
    [
      new OwnershipError("Api", "orders", "scopectl", "pulumi:dev", "update"),
      "OwnershipError",
      "ownership.refused",
      OwnershipError.code,
    ],
    [new SecretsFileError("a link"), "SecretsFileError", "secrets-file.refused", SecretsFileError.code],
  ];
  for (const [error, name, code, staticCode] of cases) {
    test(`${name} (${code}) is a ScopectlError with its code and name`, { timeout: 10_000 }, () => {
      assert.ok(error instanceof ScopectlError);
      assert.ok(error instanceof Error);
      assert.equal(error.name, name);
      assert.equal(error.code, code);
      if (staticCode !== undefined) assert.equal(staticCode, code);
    });
  }

  test("fields stay: OAuthError's RFC 6749 error and status, WebhookError's status and word", {
    timeout: 10_000,
  }, () => {
    assert.equal(oauth.error, "invalid_grant");
    assert.equal(oauth.status, 400);
    assert.deepEqual(oauth.toJSON(), { error: "invalid_grant", error_description: "the code was used" });
    assert.equal(new OAuthError("invalid_client", "who?").status, 401);
    const limited = new RateLimitedError(30);
    assert.equal(limited.error, "invalid_client");
    assert.equal(limited.status, 429);
    const webhook = new WebhookError(415, "unsupported_media_type", "not JSON");
    assert.equal(webhook.status, 415);
    assert.equal(webhook.error, "unsupported_media_type");
  });

  test("a cause is kept", { timeout: 10_000 }, () => {
    const cause = new Error("ENOENT");
    assert.equal(new ScopectlError("git.tools", "git was not found", { cause }).cause, cause);
  });

  test("WebhookIgnored is an answer, not a failure: no ScopectlError, its code the word it answers", {
    timeout: 10_000,
  }, () => {
    const pong = new WebhookIgnored(200, "pong", "GitHub ping", { provider: "github", event: "ping" });
    assert.equal(pong instanceof ScopectlError, false);
    assert.equal(pong instanceof WebhookError, false);
    assert.equal(pong.code, "pong");
    assert.equal(pong.status, 200);
  });
});

describe("the CLI prints the code of a --json failure", { timeout: 300_000 }, () => {
  test("status --json on a missing store: store.missing beside the message, exit 1", {
    timeout: 120_000,
  }, async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-errors-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const store = path.join(dir, "missing.db");
    const json = runCli(["status", "--json", "--store", store], { cwd: dir });
    assert.equal(json.status, 1, json.stdout + json.stderr);
    assert.equal(json.stderr, "");
    const answer = JSON.parse(json.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(answer), ["error", "code"]);
    assert.equal(answer.code, "store.missing");
    assert.match(String(answer.error), /^there is no store at .*missing\.db; start a sync/);

    // Without --json the message is printed as before, one line, and the code's exit code is kept.
    const text = runCli(["status", "--store", store], { cwd: dir });
    assert.equal(text.status, 1);
    assert.equal(text.stdout, "");
    assert.match(text.stderr, /^error: there is no store at .*missing\.db; start a sync[^\n]*\n$/);
  });

  test("openapi preview --json of a bad spec: input.invalid with its diagnostics", {
    timeout: 120_000,
  }, async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-errors-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(path.join(dir, "spec.yaml"), "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n");
    const result = runCli(["openapi", "preview", "spec.yaml", "--json"], { cwd: dir });
    assert.equal(result.status, 1, result.stderr);
    const answer = JSON.parse(result.stdout) as { error: string; code: string; diagnostics: unknown[] };
    assert.equal(answer.code, "input.invalid");
    assert.match(answer.error, /paths/);
    assert.ok(answer.diagnostics.length > 0);
  });
});
