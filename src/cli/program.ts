/**
 * The program: commander, given the declaration of the command that runs (every command's, for help, a
 * typo or `help NAME`). A declaration (commands/) is the command's name, arguments, options and help
 * text, and loads its work (actions/ and the modules they use: the manifest loader, the store, the
 * server) only when its action runs, so that help and usage errors load nothing but commander and
 * these small modules (docs/benchmarks.md#cli-start-up).
 */
import { createRequire } from "node:module";
import type { Command as CommandClass } from "commander";
import { registerApplyCommand } from "./commands/apply.ts";
import { registerExplainCommand } from "./commands/explain.ts";
import { registerHistoryCommand } from "./commands/history.ts";
import { registerKeysCommand } from "./commands/keys.ts";
import { registerOpenApiCommand } from "./commands/openapi.ts";
import { registerPlanCommand } from "./commands/plan.ts";
import { registerSchemaCommand } from "./commands/schema.ts";
import { registerServeCommand } from "./commands/serve.ts";
import { registerStatusCommand } from "./commands/status.ts";
import { registerStoreCommand } from "./commands/store.ts";
import { registerSyncCommand } from "./commands/sync.ts";
import { registerUpCommand } from "./commands/up.ts";
import { registerUsersCommand } from "./commands/users.ts";
import { registerValidateCommand } from "./commands/validate.ts";
import { jsonUsageErrors, reportUsageError, wantsJson } from "./json-errors.ts";
import { addLogFormatOptions } from "./log-format.ts";
import { VERSION } from "./version.ts";

// commander is CommonJS: required, not imported. Imported from an ES module, it costs a process about
// a third of a bare start more (measured in docs/benchmarks.md#cli-start-up); the declarations import
// its types only, and make options with `command.createOption`.
const { Command, CommanderError } = createRequire(import.meta.url)("commander") as typeof import("commander");

/** The commands, in the order help lists them. */
const COMMANDS: ReadonlyArray<(program: CommandClass) => void> = [
  registerValidateCommand,
  registerSchemaCommand,
  registerOpenApiCommand,
  registerPlanCommand,
  registerApplyCommand,
  registerExplainCommand,
  registerHistoryCommand,
  registerKeysCommand,
  registerUsersCommand,
  registerServeCommand,
  registerSyncCommand,
  registerStatusCommand,
  registerStoreCommand,
  registerUpCommand,
];

export function buildProgram(): CommandClass {
  const program = new Command()
    .name("scopectl")
    .description(
      "API authorization as code: manifests in git, reconciled into a store that issues OAuth 2.0 tokens.",
    )
    .version(VERSION)
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ outputError: (text, write) => write(text) })
    .addHelpText(
      "after",
      `
Manifests are YAML documents (apiVersion: scopectl/v1) under a folder, config/ by default.
Examples:
  scopectl validate config                  check every manifest and spec, report all errors
  scopectl schema Application               JSON Schema of one kind, for editors
  scopectl openapi preview spec.yaml        the scopes an OpenAPI spec would generate
  scopectl plan config --out plan.json      what an apply would change, saved for review
  scopectl apply plan.json                  apply exactly that plan (refused if the store moved)
  scopectl keys rotate                      new token signing key; the old one stays published a while
  scopectl users set-password EMAIL         set a user's sign-in password (asked twice, or from stdin)
  scopectl explain user alice               effective scopes per Api, with their sources
  scopectl explain scope API/NAME           who holds a scope, e.g. orders/read:orders, and through what
  scopectl explain app order-exporter       an application's scopes per Api (by name or client id)
  scopectl up                               apply config/ to the embedded store and serve tokens
  scopectl serve --port 8080                serve tokens from the store (follows each new revision)
  scopectl sync --repo URL --branch main    follow a branch: apply each new commit of config/, in order
  scopectl status                           the sync status: Synced, OutOfSync or Failed, and any drift
  scopectl store copy --from A --to B       copy a whole store, SQLite to PostgreSQL or back

Environment:
  SCOPECTL_STORE       the store: a file (default .scopectl/store.db) or a postgres:// URL; --store
                       overrides it. PGPASSWORD: the PostgreSQL password, when the URL has none
  SCOPECTL_LOG_LEVEL   log level of serve, up and sync (default info); --log-level overrides it
  SCOPECTL_LOG_FORMAT  json or pretty (default: pretty on a terminal, else json); --log-format overrides it
  SCOPECTL_SYNC_REPO   the repository sync (--repo) and serve (--sync-repo) follow; a URL with a token
                       belongs here, not in argv, which every local user can read (ps)
  NO_COLOR             no colour in what scopectl prints`,
    );
  for (const register of COMMANDS) register(program);
  addLogFormatOptions(program);
  return program;
}

/** Runs the command line `argv` (process.argv: node, the script, then the arguments). */
export async function run(argv: readonly string[]): Promise<void> {
  const args = argv.slice(2);
  // --json: commander's usage errors are JSON on stdout too, not text on stderr (json-errors.ts).
  const json = wantsJson(args);
  try {
    const program = buildProgram();
    if (json) jsonUsageErrors(program);
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode =
      json && error instanceof CommanderError
        ? await reportUsageError(error)
        : (await import("./output.ts")).reportFailure(error);
  }
}
