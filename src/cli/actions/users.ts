/**
 * `scopectl users set-password EMAIL`: a user's sign-in password. Users themselves are manifests; their
 * passwords are not (no secret belongs in git), so they are set here, straight into the store, as argon2id
 * hashes. Neither the password nor its hash is ever printed. The command's work; declared in
 * ../commands/users.ts, which loads this module only when it runs.
 */
import { read } from "read";
import { ScopectlError } from "../../core/errors.ts";
import { checkNewPassword, hashPassword } from "../../server/login/password.ts";
import type { Store } from "../../store/store.ts";
import type { StoreOption } from "../options.ts";
import { note, out } from "../output.ts";
import { refuseMissingStore, withStore } from "../reconcile.ts";

/** The User whose email is `email`, compared case-insensitively (as `validate` keeps them unique). */
async function userByEmail(store: Store, email: string) {
  const wanted = email.toLowerCase();
  return (await store.list("User")).find((user) => user.props.email.toLowerCase() === wanted);
}

/** Removes one line ending (`\n` or `\r\n`) at the end, as `echo` or a file adds. */
function withoutTrailingNewline(text: string): string {
  if (text.endsWith("\r\n")) return text.slice(0, -2);
  if (text.endsWith("\n")) return text.slice(0, -1);
  return text;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * On a terminal: asked twice, hidden (echoed as `*`), on stderr so that stdout stays the result. Else
 * all of stdin, less one trailing line ending.
 */
async function readNewPassword(): Promise<string> {
  if (!process.stdin.isTTY) return withoutTrailingNewline(await readStdin());
  const ask = (prompt: string) =>
    read({ prompt, silent: true, replace: "*", input: process.stdin, output: process.stderr });
  const password = await ask("New password: ");
  // Refused before the confirmation, so that a too-short password is not typed twice.
  checkNewPassword(password);
  if ((await ask("Repeat the password: ")) !== password) {
    throw new ScopectlError("password.rejected", "the two passwords do not match; nothing was changed");
  }
  return password;
}

export async function setPassword(email: string, options: StoreOption): Promise<void> {
  refuseMissingStore(
    options,
    (file) => `there is no store at ${file}: apply the manifests (with a User for ${email}) first`,
  );
  await withStore(options, async (store) => {
    const user = await userByEmail(store, email);
    if (!user) {
      throw new ScopectlError(
        "store.not-found",
        `no User in the store ${store.description} has the email address ${email}; add a User manifest for it and apply it first`,
      );
    }
    const password = await readNewPassword();
    checkNewPassword(password);
    await store.setPassword(user.id, await hashPassword(password), new Date().toISOString());
    out(`password set for ${user.id} (${user.props.email})`);
    if (user.props.disabled) {
      note(`note: ${user.id} is disabled: they cannot sign in until the User is enabled again.`);
    }
  });
}
