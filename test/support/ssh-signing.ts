/**
 * SSH signing keys for the signed-commit tests (git's `gpg.format ssh`), made with the real ssh-keygen
 * in a temp folder. The tests need ssh-keygen and fail (not skip) without it: `npm run setup:tools`
 * installs it.
 */
import { execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

export function sshKeygen(...args: string[]): string {
  try {
    return execFileSync("ssh-keygen", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error(
        "ssh-keygen is not installed: the signed-commit tests need it (npm run setup:tools, or Debian/Ubuntu: apt-get install openssh-client)",
      );
    }
    throw error;
  }
}

export interface Key {
  /** The private key file (git's user.signingkey takes it or the .pub next to it). */
  file: string;
  /** The public key line: `ssh-ed25519 AAAA… comment`. */
  pub: string;
  /** `SHA256:…`, as ssh-keygen -l prints it. */
  fingerprint: string;
}

/** A new ed25519 key without a passphrase, `dir/name` and `dir/name.pub`, commented `name`. */
export async function makeKey(dir: string, name: string): Promise<Key> {
  const file = path.join(dir, name);
  sshKeygen("-q", "-t", "ed25519", "-N", "", "-C", name, "-f", file);
  const pub = (await readFile(`${file}.pub`, "utf8")).trim();
  const fingerprint = sshKeygen("-l", "-f", `${file}.pub`).split(" ")[1] ?? "";
  return { file, pub, fingerprint };
}

/** Writes an allowed-signers file: one `principal namespaces="git" key` line per signer. */
export async function writeAllowedSigners(
  file: string,
  signers: readonly { principal: string; key: Key }[],
): Promise<string> {
  await writeFile(
    file,
    signers.map(({ principal, key }) => `${principal} namespaces="git" ${key.pub}\n`).join(""),
  );
  return file;
}

/**
 * Makes a repository sign every commit with `key` (`git config` through the repository's own `git`):
 * what a user does with `git config gpg.format ssh`, `user.signingkey` and `commit.gpgsign`.
 */
export function signCommitsWith(git: (...args: string[]) => string, key: Key): void {
  git("config", "gpg.format", "ssh");
  git("config", "user.signingkey", key.file);
  git("config", "commit.gpgsign", "true");
}
