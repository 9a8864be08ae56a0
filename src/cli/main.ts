#!/usr/bin/env node
/** `scopectl`: the command line. Each command lives in its own file under commands/. */
import { Command, CommanderError } from "commander";
import { registerApplyCommand } from "./commands/apply.ts";
import { registerExplainCommand } from "./commands/explain.ts";
import { registerHistoryCommand } from "./commands/history.ts";
import { registerKeysCommand } from "./commands/keys.ts";
import { registerOpenApiCommand } from "./commands/openapi.ts";
import { registerPlanCommand } from "./commands/plan.ts";
import { registerSchemaCommand } from "./commands/schema.ts";
import { registerServeCommand } from "./commands/serve.ts";
import { registerStatusCommand } from "./commands/status.ts";
import { registerSyncCommand } from "./commands/sync.ts";
import { registerUpCommand } from "./commands/up.ts";
import { registerUsersCommand } from "./commands/users.ts";
import { registerValidateCommand } from "./commands/validate.ts";
import { jsonUsageErrors, reportUsageError, wantsJson } from "./json-errors.ts";
import { addLogFormatOptions } from "./log-format.ts";
import { exitQuietlyOnClosedPipes, reportFailure } from "./output.ts";
import { VERSION } from "./version.ts";

export function buildProgram(): Command {
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

Environment:
  SCOPECTL_STORE       the store file (default .scopectl/store.db); --store overrides it
  SCOPECTL_LOG_LEVEL   log level of serve, up and sync (default info); --log-level overrides it
  SCOPECTL_LOG_FORMAT  json or pretty (default: pretty on a terminal, else json); --log-format overrides it
  SCOPECTL_SYNC_REPO   the repository sync (--repo) and serve (--sync-repo) follow; a URL with a token
                       belongs here, not in argv, which every local user can read (ps)
  NO_COLOR             no colour in what scopectl prints`,
    );
  registerValidateCommand(program);
  registerSchemaCommand(program);
  registerOpenApiCommand(program);
  registerPlanCommand(program);
  registerApplyCommand(program);
  registerExplainCommand(program);
  registerHistoryCommand(program);
  registerKeysCommand(program);
  registerUsersCommand(program);
  registerServeCommand(program);
  registerSyncCommand(program);
  registerStatusCommand(program);
  registerUpCommand(program);
  addLogFormatOptions(program);
  return program;
}

exitQuietlyOnClosedPipes();
const program = buildProgram();
// --json: commander's usage errors are JSON on stdout too, not text on stderr (json-errors.ts).
const json = wantsJson(process.argv.slice(2));
if (json) jsonUsageErrors(program);
try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = json && error instanceof CommanderError ? reportUsageError(error) : reportFailure(error);
}
