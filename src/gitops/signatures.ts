/**
 * `--require-signed`: whether a commit is signed by a key of an allowed-signers file (git's SSH
 * signing, `ssh-keygen -Y`). git itself verifies; this module decides which of its answers count.
 *
 * The verdict comes from `git log -1 --format=%G?…` run with the allowed-signers file, the ssh-keygen
 * program and the signature format given on the command line (`-c` outranks every config file), and
 * with the system and global git config switched off, so nothing of the user's or the repository's
 * configuration can add signers or swap the verifying program (a repository's
 * `gpg.ssh.revocationFile` still applies: it can only refuse more). `%G?` codes, as git documents them,
 * and what they mean for an SSH signature:
 *
 * - `G` good signature by a principal of the allowed-signers file (ssh-keygen `-Y verify` said
 *   "Good") — the only code accepted, and only with a principal and a fingerprint;
 * - `U` good signature, unknown validity: the signature is intact but no principal of the file
 *   matched its key (an unknown key, or a listed one outside its valid-after/valid-before window);
 * - `B` bad signature: the commit was changed after signing, the key is not permitted for the "git"
 *   namespace, or the signature is malformed; with no ssh-keygen output at all it means ssh-keygen did
 *   not run, an operational error;
 * - `X`, `Y`, `R` (expired signature, expired key, revoked key) and `E` (cannot be checked, e.g. a
 *   missing key) are GPG answers; they are refused like any other code;
 * - `N` no signature: the commit object's header is read first, so `N` for a commit that carries an
 *   SSH signature means git could not verify at all (ssh-keygen older than 8.2p1, …): operational.
 *
 * The signature's format is read from the commit object before git is asked: an OpenPGP or X.509
 * signature is refused as such, without running gpg (git picks the verifier from the signature, not
 * from `gpg.format`).
 *
 * Unsigned, unknown-key, bad or non-SSH signatures are answers ({ ok: false, reason }); only
 * operational failures throw: a missing, empty or unparseable allowed-signers file, a missing
 * repository or commit, git older than 2.34, no ssh-keygen on PATH.
 */
import { execFile } from "node:child_process";
import { stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { ScopectlError } from "../core/errors.ts";
import { checkAllowedSignersFile } from "./allowed-signers.ts";

export interface SignatureCheck {
  ok: boolean;
  /** The principal (allowed-signers identity) and key fingerprint when ok. */
  signer?: string;
  fingerprint?: string;
  /**
   * One clear sentence when not ok: unsigned, signed by a key not in the allowed signers file, bad
   * signature, GPG signature when SSH is required, ...
   */
  reason?: string;
}

/** SSH signing and `%G?` for SSH signatures arrived in git 2.34. */
const MIN_GIT: readonly [number, number] = [2, 34];

const execFileAsync = promisify(execFile);

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The inherited environment without GIT_* variables (GIT_DIR, GIT_CONFIG_PARAMETERS, GIT_CONFIG_COUNT,
 * … would redirect or reconfigure git; GIT_EXEC_PATH stays for relocated installations), with system
 * and global config off, the commit object itself rather than a `git replace` substitute, and
 * untranslated messages.
 */
function toolEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("GIT_") || key === "GIT_EXEC_PATH") env[key] = value;
  }
  env.GIT_CONFIG_NOSYSTEM = "1";
  env.GIT_CONFIG_GLOBAL = os.devNull;
  env.GIT_NO_REPLACE_OBJECTS = "1";
  env.GIT_TERMINAL_PROMPT = "0";
  env.LC_ALL = "C";
  env.LANGUAGE = "C";
  return env;
}

const MISSING_TOOL: Record<string, string> = {
  git: "git was not found on PATH; install git 2.34 or newer to verify signed commits",
  "ssh-keygen":
    "ssh-keygen was not found on PATH; install OpenSSH's client tools (Debian/Ubuntu: apt-get install openssh-client) to verify SSH-signed commits",
};

/** Runs a program; a non-zero exit is a result, a program that cannot start is an error. */
async function run(file: string, args: string[]): Promise<RunResult> {
  try {
    const { stdout, stderr } = await execFileAsync(file, args, {
      env: toolEnv(),
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string; signal?: string };
    if (failure.code === "ENOENT") {
      throw new ScopectlError("git.tools", MISSING_TOOL[file] ?? `${file} was not found on PATH`, {
        cause: error,
      });
    }
    if (typeof failure.code === "number") {
      return { code: failure.code, stdout: failure.stdout ?? "", stderr: failure.stderr ?? "" };
    }
    const how = failure.signal ? `was stopped by ${failure.signal}` : `failed: ${failure.message}`;
    throw new ScopectlError("git.tools", `${[file, ...args].join(" ")} ${how}`, { cause: error });
  }
}

const firstLine = (text: string) =>
  text
    .split("\n")
    .map((line) => line.trim())
    .find((line) => line.length > 0) ?? "";

let toolsChecked: Promise<void> | undefined;

/**
 * Refuses to go on without git ≥ 2.34 and an ssh-keygen that knows `-Y find-principals` (OpenSSH
 * 8.2p1): for startup, next to checkAllowedSignersFile. verifyCommitSignature runs it too (once per
 * process while it succeeds).
 */
export function checkSshSigningTools(): Promise<void> {
  toolsChecked ??= checkTools().catch((error: unknown) => {
    toolsChecked = undefined;
    throw error;
  });
  return toolsChecked;
}

async function checkTools(): Promise<void> {
  const version = await run("git", ["version"]);
  const match = /git version (\d+)\.(\d+)/.exec(version.stdout);
  if (!match)
    throw new ScopectlError(
      "git.tools",
      `cannot tell the version of git from "${firstLine(version.stdout)}"`,
    );
  const [major, minor] = [Number(match[1]), Number(match[2])];
  if (major < MIN_GIT[0] || (major === MIN_GIT[0] && minor < MIN_GIT[1])) {
    throw new ScopectlError(
      "git.tools",
      `git ${major}.${minor} cannot verify SSH-signed commits; git ${MIN_GIT.join(".")} or newer is needed`,
    );
  }
  // Without arguments a current ssh-keygen complains about them; an old one does not know the operation.
  const keygen = await run("ssh-keygen", ["-Y", "find-principals"]);
  if (/illegal option|unknown option|unsupported operation/i.test(keygen.stderr)) {
    throw new ScopectlError(
      "git.tools",
      "ssh-keygen does not support -Y find-principals; OpenSSH 8.2p1 or newer is needed to verify SSH-signed commits",
    );
  }
}

type SignatureFormat = "ssh" | "openpgp" | "x509" | "unknown";

/** The signature header of a raw commit object (`gpgsig`, or `gpgsig-sha256` in a SHA-256 repository). */
function signatureFormat(commitObject: string, sha: string): SignatureFormat | undefined {
  const header = sha.length === 64 ? "gpgsig-sha256" : "gpgsig";
  const end = commitObject.indexOf("\n\n");
  const lines = (end < 0 ? commitObject : commitObject.slice(0, end)).split("\n");
  const start = lines.findIndex((line) => line.startsWith(`${header} `));
  if (start < 0) return undefined;
  const first = lines[start]?.slice(header.length + 1).trim() ?? "";
  if (first === "-----BEGIN SSH SIGNATURE-----") return "ssh";
  if (first === "-----BEGIN PGP SIGNATURE-----" || first === "-----BEGIN PGP MESSAGE-----") return "openpgp";
  if (first === "-----BEGIN SIGNED MESSAGE-----") return "x509";
  return "unknown";
}

/** ssh-keygen's lines that say why, without the ones that repeat the verdict. */
function sshKeygenDetail(output: string): string {
  return output
    .split("\n")
    .map((line) => line.trim())
    .filter(
      (line) =>
        line !== "" &&
        !line.startsWith('Good "git" signature') &&
        line !== "No principal matched." &&
        line !== "Could not verify signature.",
    )
    .join("; ");
}

/**
 * Whether commit `sha` of the repository at `repoDir` is signed by a key of `allowedSignersFile`
 * (git's SSH signing). Never throws for an unsigned or wrongly signed commit; throws for operational
 * errors (see the module comment).
 */
export async function verifyCommitSignature(
  repoDir: string,
  sha: string,
  allowedSignersFile: string,
): Promise<SignatureCheck> {
  const allowed = path.resolve(allowedSignersFile);
  await checkAllowedSignersFile(allowed);
  await checkSshSigningTools();
  const repo = path.resolve(repoDir);
  const exists = await stat(repo).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (!exists) throw new ScopectlError("git.signature", `the repository folder ${repo} does not exist`);
  if (sha === "") throw new Error("no commit given to verify");

  const resolved = await run("git", [
    "-C",
    repo,
    "rev-parse",
    "--verify",
    "--quiet",
    "--end-of-options",
    `${sha}^{commit}`,
  ]);
  if (resolved.code !== 0) {
    throw new ScopectlError(
      "git.signature",
      resolved.stderr.trim()
        ? `cannot read ${repo} as a git repository: ${firstLine(resolved.stderr)}`
        : `${repo} has no commit ${sha}`,
    );
  }
  const full = resolved.stdout.trim();
  const short = full.slice(0, 12);

  const object = await run("git", ["-C", repo, "cat-file", "commit", full]);
  if (object.code !== 0)
    throw new ScopectlError(
      "git.signature",
      `cannot read commit ${full} in ${repo}: ${firstLine(object.stderr)}`,
    );
  const format = signatureFormat(object.stdout, full);
  switch (format) {
    case undefined:
      return {
        ok: false,
        reason: `commit ${short} is not signed; only commits signed by a key in ${allowed} are applied`,
      };
    case "openpgp":
      return {
        ok: false,
        reason: `commit ${short} is signed with OpenPGP (GPG), but only SSH signatures by a key in ${allowed} are accepted`,
      };
    case "x509":
      return {
        ok: false,
        reason: `commit ${short} is signed with X.509 (gpgsm), but only SSH signatures by a key in ${allowed} are accepted`,
      };
    case "unknown":
      return { ok: false, reason: `commit ${short} carries a signature in a format git does not know` };
  }

  const verified = await run("git", [
    "-C",
    repo,
    "-c",
    "gpg.format=ssh",
    "-c",
    "gpg.ssh.program=ssh-keygen",
    "-c",
    `gpg.ssh.allowedSignersFile=${allowed}`,
    "log",
    "-1",
    "--no-show-signature",
    "--format=%G?%x00%GS%x00%GF%x00%GG",
    full,
    "--",
  ]);
  if (verified.code !== 0) {
    throw new ScopectlError(
      "git.signature",
      `git cannot verify commit ${full} in ${repo}: ${firstLine(verified.stderr)}`,
    );
  }
  const [code = "", signer = "", fingerprint = "", ...rest] = verified.stdout.split("\0");
  const output = rest.join("\0").trim();
  const detail = sshKeygenDetail(output);
  const because = detail ? ` (ssh-keygen: ${detail})` : "";
  switch (code.trim()) {
    case "G":
      if (signer && fingerprint) return { ok: true, signer, fingerprint: fingerprint.trim() };
      return { ok: false, reason: `commit ${short} has a signature git accepted without naming its signer` };
    case "U":
      return {
        ok: false,
        reason: `commit ${short} is signed by SSH key ${fingerprint.trim() || "(unknown fingerprint)"}, which is not an allowed signer in ${allowed}${because}`,
      };
    case "B":
      if (output === "") {
        throw new ScopectlError(
          "git.signature",
          `ssh-keygen could not check the signature of commit ${full}: ${firstLine(verified.stderr) || "no output"}`,
        );
      }
      return {
        ok: false,
        reason: `commit ${short} has an SSH signature that does not verify: the commit was changed after signing, or its key may not sign git commits${because}`,
      };
    case "N":
      throw new ScopectlError(
        "git.signature",
        `git could not verify the SSH signature of commit ${full}: ${firstLine(verified.stderr) || "no output"}`,
      );
    default:
      return {
        ok: false,
        reason: `commit ${short} has a signature git reports as "${code.trim()}", which is not a good SSH signature by an allowed signer`,
      };
  }
}
