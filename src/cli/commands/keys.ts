/**
 * `scopectl keys rotate|list`: the token service's signing keys. Rotation makes a new active key (of the
 * store's Settings.signingAlg); the old one stays in the JWKS until every token it signed has expired.
 * Nothing here prints key material: a listing shows kids, algorithms and times.
 */
import type { Command } from "commander";
import { withJsonErrors } from "../json-errors.ts";
import { addStoreOption, type StoreOption } from "../options.ts";

export interface KeysListOptions extends StoreOption {
  json?: boolean;
}

const work = () => import("../actions/keys.ts");

export function registerKeysCommand(program: Command): void {
  const keys = program.command("keys").description("the token service's signing keys");

  addStoreOption(
    keys
      .command("rotate")
      .description(
        "make a new signing key (of Settings.signingAlg) active; the old one stays published until the tokens it signed have expired",
      ),
  ).action(async (options: StoreOption) => (await work()).rotateKey(options));

  addStoreOption(
    keys
      .command("list")
      .description("the signing keys: kid, algorithm, status and times (never key material)")
      .option("--json", "print as JSON"),
  ).action((options: KeysListOptions) =>
    withJsonErrors(options.json, async () => (await work()).listKeys(options)),
  );
}
