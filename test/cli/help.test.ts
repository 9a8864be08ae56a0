/**
 * Help is part of the CLI's interface, and every command's help comes from its declaration
 * (src/cli/commands/), loaded apart from its work (docs/benchmarks.md#cli-start-up). The help of the
 * program and of every command and subcommand is compared with test/cli/help.snapshot.txt, so that a
 * change to a declaration changes the help only on purpose: after one, write the file again with
 * `UPDATE_HELP_SNAPSHOT=1 node --import tsx --test test/cli/help.test.ts` and review its diff. The real
 * process is checked against the same text for `--help`, `help NAME` and `NAME --help`.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import type { Command } from "commander";
import { buildProgram } from "../../src/cli/program.ts";
import { runCli } from "../support/cli.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

const SNAPSHOT = path.join(import.meta.dirname, "help.snapshot.txt");

/** `command`'s help exactly as `--help` prints it (80 columns, as on a pipe), its help texts included. */
function helpOf(command: Command): string {
  let text = "";
  command.configureOutput({ writeOut: (s) => (text += s), getOutHelpWidth: () => 80 });
  command.outputHelp();
  return text;
}

/** Every command of the tree, depth first, with its command line (`scopectl explain user`). */
function* commandsOf(command: Command, line: string[] = []): Generator<[string, Command]> {
  const here = [...line, command.name()];
  yield [here.join(" "), command];
  for (const sub of command.commands) {
    if (sub.name() !== "help") yield* commandsOf(sub, here);
  }
}

function render(): { text: string; sections: Map<string, string> } {
  const sections = new Map<string, string>();
  for (const [line, command] of commandsOf(buildProgram())) sections.set(line, helpOf(command));
  const text = [...sections].map(([line, help]) => `=== ${line} --help\n${help}`).join("\n");
  return { text, sections };
}

describe("help", { timeout: SUITE_TIMEOUT_MS }, () => {
  const { text, sections } = render();

  test("the help of every command is the snapshot's (help.snapshot.txt)", () => {
    if (process.env.UPDATE_HELP_SNAPSHOT) writeFileSync(SNAPSHOT, text);
    assert.equal(
      text,
      readFileSync(SNAPSHOT, "utf8"),
      "help changed; if on purpose, run UPDATE_HELP_SNAPSHOT=1 node --import tsx --test test/cli/help.test.ts",
    );
  });

  test("every command and subcommand has its section", () => {
    assert.ok(sections.has("scopectl"));
    for (const line of [
      "scopectl validate",
      "scopectl openapi route",
      "scopectl explain app",
      "scopectl up",
    ]) {
      assert.ok(sections.has(line), line);
    }
    assert.equal(sections.size, 26);
  });

  test("the process prints the same for --help, help NAME, NAME --help and NAME help SUB", () => {
    const cases: [string[], string][] = [
      [["--help"], "scopectl"],
      [["help", "plan"], "scopectl plan"],
      [["plan", "--help"], "scopectl plan"],
      [["openapi", "upload", "--help"], "scopectl openapi upload"],
      [["explain", "help", "user"], "scopectl explain user"],
    ];
    for (const [args, line] of cases) {
      const result = runCli(args);
      assert.equal(result.status, 0, `${args.join(" ")}: ${result.stderr}`);
      assert.equal(result.stdout, sections.get(line), args.join(" "));
    }
  });
});
