#!/usr/bin/env node
/**
 * `scopectl`: the command line. Each command lives in its own file under commands/, loaded only when
 * it runs: a command module pulls in what its work needs (the manifest loader and its schemas, the
 * store, the HTTP server), and loading all of them made every start, `--version` included, pay for
 * every command. Help and an unknown command load them all, so help lists every command and commander
 * can suggest the nearest name.
 */
import { Command, CommanderError } from "commander";
import { jsonUsageErrors, reportUsageError, wantsJson } from "./json-errors.ts";
import { addLogFormatOptions } from "./log-format.ts";
import { exitQuietlyOnClosedPipes, reportFailure } from "./output.ts";
import { VERSION } from "./version.ts";

type Register = (program: Command) => void;

/** The commands, in the order help lists them, each with the module that registers it. */
const COMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<Register>]> = [
  ["validate", async () => (await import("./commands/validate.ts")).registerValidateCommand],
  ["schema", async () => (await import("./commands/schema.ts")).registerSchemaCommand],
  ["openapi", async () => (await import("./commands/openapi.ts")).registerOpenApiCommand],
  ["plan", async () => (await import("./commands/plan.ts")).registerPlanCommand],
  ["apply", async () => (await import("./commands/apply.ts")).registerApplyCommand],
  ["explain", async () => (await import("./commands/explain.ts")).registerExplainCommand],
  ["history", async () => (await import("./commands/history.ts")).registerHistoryCommand],
  ["keys", async () => (await import("./commands/keys.ts")).registerKeysCommand],
  ["users", async () => (await import("./commands/users.ts")).registerUsersCommand],
  ["serve", async () => (await import("./commands/serve.ts")).registerServeCommand],
  ["sync", async () => (await import("./commands/sync.ts")).registerSyncCommand],
  ["status", async () => (await import("./commands/status.ts")).registerStatusCommand],
  ["store", async () => (await import("./commands/store.ts")).registerStoreCommand],
  ["up", async () => (await import("./commands/up.ts")).registerUpCommand],
];

/**
 * The commands `args` (argv after the script) can run: the one its first word names, none for
 * `--version`, or all of them otherwise (help, `help NAME`, a typo). The program itself has no option
 * that takes a value, so its first word is the command or one of the program's own options.
 */
function commandsFor(args: readonly string[]): typeof COMMANDS {
  const word = args[0];
  if (word === "-V" || word === "--version") return [];
  const named = COMMANDS.filter(([name]) => name === word);
  return named.length > 0 ? named : COMMANDS;
}

export async function buildProgram(args: readonly string[]): Promise<Command> {
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
  for (const [, load] of commandsFor(args)) (await load())(program);
  addLogFormatOptions(program);
  return program;
}

exitQuietlyOnClosedPipes();
// --json: commander's usage errors are JSON on stdout too, not text on stderr (json-errors.ts).
const json = wantsJson(process.argv.slice(2));
try {
  const program = await buildProgram(process.argv.slice(2));
  if (json) jsonUsageErrors(program);
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = json && error instanceof CommanderError ? reportUsageError(error) : reportFailure(error);
}
