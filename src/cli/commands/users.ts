/**
 * `scopectl users set-password EMAIL`: a user's sign-in password. Users themselves are manifests; their
 * passwords are not (no secret belongs in git), so they are set here, straight into the store, as argon2id
 * hashes. Neither the password nor its hash is ever printed.
 */
import type { Command } from "commander";
import { addStoreOption, type StoreOption } from "../options.ts";

export function registerUsersCommand(program: Command): void {
  const users = program
    .command("users")
    .description("users' sign-in passwords (the users themselves are User manifests)");

  addStoreOption(
    users
      .command("set-password")
      .description("set or replace the sign-in password of the User with this email address (applied before)")
      .argument("<email>", "the user's email address, as in their User manifest (any letter case)")
      .addHelpText(
        "after",
        `
On a terminal the password is asked twice, hidden; otherwise it is read from stdin, less one
trailing line break (\\n or \\r\\n):
  printf '%s' "$PASSWORD" | scopectl users set-password alice@example.com
A password has 8 to 128 characters and no control characters; nothing else is required of it. It is
stored as an argon2id hash and never printed. A disabled user may get a password but cannot sign in
while disabled.`,
      ),
  ).action(async (email: string, options: StoreOption) =>
    (await import("../actions/users.ts")).setPassword(email, options),
  );
}
