/** `scopectl serve`: the token service over the store, following each new revision. */
import type { Command } from "commander";
import { openSqliteStore } from "../../store/sqlite.ts";
import { note } from "../output.ts";
import { addStoreOption, type StoreOption, storePath } from "../reconcile.ts";
import {
  addServeOptions,
  checkServeOptions,
  type ServeOptions,
  startServing,
  untilSignal,
} from "../serving.ts";

export function registerServeCommand(program: Command): void {
  addStoreOption(
    addServeOptions(
      program
        .command("serve")
        .description(
          "issue OAuth 2.0 access tokens from the store (token, discovery, JWKS, introspection, /v1)",
        ),
    ),
  ).action(async (options: ServeOptions & StoreOption) => {
    const settings = checkServeOptions(options);
    const store = await openSqliteStore(storePath(options));
    try {
      const server = await startServing(store, settings);
      note(`scopectl serve: listening on ${server.url}, issuer ${server.snapshot().issuer}`);
      await untilSignal(server);
    } finally {
      await store.close();
    }
  });
}
