/**
 * Log format: JSON when stdout is not a terminal, human-readable lines (pino-pretty) on one, or what
 * `--log-format`/$SCOPECTL_LOG_FORMAT says. A child under a pseudo-terminal is hard to run portably, so
 * the TTY rule is tested on the choosing function, the pretty lines on the destination, and the CLI
 * as a pipe (the case CI and log collectors see).
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { chooseLogFormat, createLogger, prettyDestination } from "../../src/server/logger.ts";
import { CLI_ARGV, runCli } from "../support/cli.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";
import { waitFor } from "../support/wait.ts";

describe("chooseLogFormat", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("pretty on a terminal, JSON otherwise", () => {
    assert.equal(chooseLogFormat(undefined, {}, true), "pretty");
    assert.equal(chooseLogFormat(undefined, {}, false), "json");
  });

  test("--log-format wins over SCOPECTL_LOG_FORMAT, which wins over the terminal", () => {
    assert.equal(chooseLogFormat("json", { SCOPECTL_LOG_FORMAT: "pretty" }, true), "json");
    assert.equal(chooseLogFormat("pretty", {}, false), "pretty");
    assert.equal(chooseLogFormat(undefined, { SCOPECTL_LOG_FORMAT: "json" }, true), "json");
    assert.equal(chooseLogFormat(undefined, { SCOPECTL_LOG_FORMAT: "pretty" }, false), "pretty");
    assert.equal(chooseLogFormat(undefined, { SCOPECTL_LOG_FORMAT: "" }, false), "json", "empty is unset");
  });

  test("anything else is refused, naming where it came from", () => {
    assert.throws(
      () => chooseLogFormat("xml", {}, true),
      /--log-format must be one of json, pretty, not "xml"/,
    );
    assert.throws(
      () => chooseLogFormat(undefined, { SCOPECTL_LOG_FORMAT: "text" }, true),
      /SCOPECTL_LOG_FORMAT must be one of json, pretty, not "text"/,
    );
  });
});

test("the pretty destination writes one readable line per event, redacted", { timeout: 10_000 }, () => {
  const lines: string[] = [];
  const logger = createLogger("info", prettyDestination(false, { write: (text) => lines.push(text) }));
  logger.info({ url: "http://127.0.0.1:8080", revision: 3 }, "serving tokens");
  logger.warn({ body: { password: "hunter2-secret" } }, "sign-in failed");
  logger.debug("below the level");
  assert.equal(lines.length, 2, lines.join(""));
  const [serving, failed] = lines as [string, string];
  assert.match(
    serving,
    /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: serving tokens \{"url":"http:\/\/127\.0\.0\.1:8080","revision":3\}\n$/,
  );
  assert.match(failed, /WARN: sign-in failed/);
  assert.match(failed, /\[redacted\]/);
  assert.doesNotMatch(failed, /hunter2/);
  assert.doesNotMatch(lines.join(""), /"level"|"pid"|"hostname"|"service"/);
  assert.ok(!lines.join("").includes("\u001b["), "no colour when colorize is off");
});

describe("scopectl serve's log lines on a pipe", { timeout: SUITE_TIMEOUT_MS }, () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "scopectl-logs-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** Starts `serve` on an ephemeral port, returns its stdout line that says "serving tokens", then stops it. */
  async function servingLine(
    args: readonly string[],
    env: NodeJS.ProcessEnv = {},
  ): Promise<{ line: string; all: string }> {
    const child: ChildProcess = spawn(
      process.execPath,
      [...CLI_ARGV, "serve", "--port", "0", "--store", path.join(dir, "store.db"), ...args],
      {
        cwd: dir,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, NO_COLOR: "1", SCOPECTL_LOG_LEVEL: "info", SCOPECTL_LOG_FORMAT: "", ...env },
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr?.on("data", (chunk) => {
      stderr += chunk;
    });
    try {
      const line = () => stdout.split("\n").find((l) => l.includes("serving tokens"));
      await waitFor("the serving tokens line", () => line() !== undefined || child.exitCode !== null);
      assert.equal(child.exitCode, null, stderr);
      // Every line is in the one format, not only the one looked at.
      return { line: line() as string, all: stdout };
    } finally {
      if (child.exitCode === null) {
        const exited = once(child, "exit");
        child.kill("SIGTERM");
        const guard = setTimeout(() => child.kill("SIGKILL"), 15_000);
        await exited;
        clearTimeout(guard);
      }
    }
  }

  test("stays JSON by default", async () => {
    const { line, all } = await servingLine([]);
    const event = JSON.parse(line) as Record<string, unknown>;
    assert.equal(event.msg, "serving tokens");
    assert.equal(event.level, 30);
    for (const each of all.split("\n").filter(Boolean)) assert.doesNotThrow(() => JSON.parse(each), each);
  });

  test("is human-readable with --log-format pretty or SCOPECTL_LOG_FORMAT=pretty", async () => {
    for (const [args, env] of [
      [["--log-format", "pretty"], {}],
      [[], { SCOPECTL_LOG_FORMAT: "pretty" }],
    ] as const) {
      const { line, all } = await servingLine(args, env);
      assert.match(
        line,
        /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: serving tokens \{"url":"http:\/\/127\.0\.0\.1:\d+"/,
      );
      assert.doesNotMatch(all, /"level":/, "no JSON line among the pretty ones");
    }
  });

  test("a bad format is refused before anything is opened", () => {
    const store = path.join(dir, "never.db");
    const option = runCli(["serve", "--port", "0", "--store", store, "--log-format", "xml"], { cwd: dir });
    assert.equal(option.status, 1);
    assert.match(
      option.stderr,
      /--log-format <format>' argument 'xml' is invalid\. Allowed choices are json, pretty/,
    );
    const env = runCli(["serve", "--port", "0", "--store", store], {
      cwd: dir,
      env: { SCOPECTL_LOG_FORMAT: "text" },
    });
    assert.equal(env.status, 1);
    assert.match(env.stderr, /SCOPECTL_LOG_FORMAT must be one of json, pretty, not "text"/);
    assert.equal(existsSync(store), false, "no store was created");
  });
});
