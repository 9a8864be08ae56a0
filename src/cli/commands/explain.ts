/**
 * `scopectl explain user NAME`, `explain app NAME` and `explain scope API/NAME`: who holds what, and
 * why, in the store.
 */
import type { Command } from "commander";
import { withJsonErrors } from "../json-errors.ts";
import { addStoreOption, type StoreOption } from "../options.ts";

export interface ExplainOptions extends StoreOption {
  json?: boolean;
}

const work = () => import("../actions/explain.ts");

export function registerExplainCommand(program: Command): void {
  const explain = program
    .command("explain")
    .description("explain who holds which scopes, and why, from the store");
  addStoreOption(
    explain
      .command("user")
      .description("a user's effective scopes per Api, each with its sources (roles, additional)")
      .argument("<name>", "the User's metadata.name (not the email address)")
      .option("--json", "print as JSON"),
  ).action((name: string, options: ExplainOptions) =>
    withJsonErrors(options.json, async () => (await work()).printUser(name, options)),
  );
  addStoreOption(
    explain
      .command("app")
      .alias("application")
      .description("an application's client id, type, and the scopes it is granted per Api (audience)")
      .argument("<name>", "the Application's metadata.name, or its client id")
      .option("--json", "print as JSON"),
  ).action((name: string, options: ExplainOptions) =>
    withJsonErrors(options.json, async () => (await work()).printApplication(name, options)),
  );
  addStoreOption(
    explain
      .command("scope")
      .description("who holds a scope today: roles, users (and through what), applications, API keys")
      .argument("<api/name>", "the Api's name, a slash, and the scope's name, e.g. orders/read:orders")
      .option("--json", "print as JSON"),
  ).action((ref: string, options: ExplainOptions) =>
    withJsonErrors(options.json, async () => (await work()).printScope(ref, options)),
  );
}
