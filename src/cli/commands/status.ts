/** `scopectl status`: the git sync loop's status as the store holds it. */
import type { Command } from "commander";
import { withJsonErrors } from "../json-errors.ts";
import { addStoreOption, type StoreOption } from "../options.ts";

export interface StatusOptions extends StoreOption {
  json?: boolean;
}

export function registerStatusCommand(program: Command): void {
  addStoreOption(
    program
      .command("status")
      .description(
        "show the git sync status: Synced, OutOfSync or Failed, the commits, the error and any drift",
      )
      .option("--json", 'print the status as JSON (as GET /v1/sync serves it); errors too, as {"error": ...}')
      .addHelpText(
        "after",
        `
States:
  Synced     the branch head is applied and the store matches it
  OutOfSync  the store differs from the last applied commit (drift), or the head is not applied yet
  Failed     a commit was not applied (or the last fetch failed); the error says why, and the store
             stays at the last applied commit until a later commit applies
Reasons (the "reason" field, a stable code beside the error sentence):
  Succeeded, CommitsPending, DriftDetected, FetchFailed, SignatureRefused, ConflictsFound,
  CommitFailed, SecretsUnavailable (retried at the next pass), SecretsLost, DriftCheckFailed
The leader is the one sync loop (\`scopectl sync\` or \`serve --sync-repo\`) that fetches and applies;
the others stand by and take over when it is gone ("leader" in --json: {holder, since} or null).
Exit code 1 when Failed (or when no sync has run against the store), else 0.`,
      ),
  ).action((options: StatusOptions) =>
    withJsonErrors(options.json, async () => (await import("../actions/status.ts")).printStatus(options)),
  );
}
