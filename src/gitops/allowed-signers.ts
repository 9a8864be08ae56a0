/**
 * The allowed-signers file of `--require-signed`: ssh-keygen's format (ssh-keygen(1), ALLOWED
 * SIGNERS), checked line by line at startup so that a typo, an empty file or a key pasted whole fails
 * with one sentence naming the file and the line, before anything is fetched or applied.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { ScopectlError } from "../core/errors.ts";

/** `ssh-keygen -Y` option names of an allowed-signers line (ssh-keygen(1), ALLOWED SIGNERS). */
const TIME_OPTION = /^(valid-after|valid-before)="(\d{8}|\d{12}|\d{14})Z?"$/i;
const NAMESPACES_OPTION = /^namespaces="[^"]*"$/i;

/** Splits `text` at the first unquoted space or tab: [field, rest]. */
function field(text: string): [string, string] | undefined {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === " " || c === "\t")) return [text.slice(0, i), text.slice(i).trimStart()];
  }
  return quoted ? undefined : [text, ""];
}

/** Splits at unquoted commas. */
function splitOptions(text: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '"') quoted = !quoted;
    else if (!quoted && text[i] === ",") {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

/** Whether `type base64` is an SSH public key whose encoded blob names the same key type. */
function isPublicKey(type: string, base64: string): boolean {
  if (!/^[a-z0-9][a-z0-9@.-]*$/i.test(type) || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return false;
  const blob = Buffer.from(base64, "base64");
  if (blob.length < 4) return false;
  const length = blob.readUInt32BE(0);
  return length === type.length && blob.subarray(4, 4 + length).toString("latin1") === type;
}

/** Whether `base64` looks like a public key blob of any type. */
function isPublicKeyBlob(base64: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return false;
  const blob = Buffer.from(base64, "base64");
  return (
    blob.length >= 4 && isPublicKey(blob.subarray(4, 4 + blob.readUInt32BE(0)).toString("latin1"), base64)
  );
}

/** Why one allowed-signers line is not `principals [options] keytype base64-key [comment]`, if it is not. */
function lineProblem(line: string): string | undefined {
  const principals = field(line);
  if (!principals) return "an unterminated quote";
  const [names, afterNames] = principals;
  if (afterNames === "") return "a principal but no key";
  const second = field(afterNames);
  if (!second) return "an unterminated quote";
  let [type, afterType] = second;
  let keyText = field(afterType)?.[0] ?? "";
  if (!isPublicKey(type, keyText)) {
    // The second field is the options, then the key.
    const options = splitOptions(type);
    const bad = options.find(
      (option) =>
        option.toLowerCase() !== "cert-authority" &&
        !NAMESPACES_OPTION.test(option) &&
        !TIME_OPTION.test(option),
    );
    if (afterType === "") return `no key after "${names}"`;
    if (bad === type && isPublicKeyBlob(keyText))
      return `"${type}", which is not the type of the key after it`;
    if (bad === type && /^(ssh|ecdsa|sk)-/.test(type)) return `no valid ${type} key after "${names}"`;
    if (bad !== undefined) {
      return `an unsupported or malformed option "${bad}" (known: cert-authority, namespaces="…", valid-after="…", valid-before="…")`;
    }
    const third = field(afterType);
    if (!third || third[1] === "") return `options but no key after "${names}"`;
    [type, afterType] = third;
    keyText = field(afterType)?.[0] ?? "";
    if (!isPublicKey(type, keyText)) return `no valid SSH public key after "${names}" and its options`;
  }
  return undefined;
}

/**
 * Refuses an allowed-signers file that is missing, unreadable, empty or not in ssh-keygen's format,
 * with one sentence naming it: for startup, so `--require-signed` with a typo fails before anything is
 * done.
 */
export async function checkAllowedSignersFile(file: string): Promise<void> {
  const abs = path.resolve(file);
  const name = `allowed signers file ${abs}`;
  const refused = (message: string, options?: ErrorOptions) =>
    new ScopectlError("git.allowed-signers", message, options);
  let text: string;
  try {
    if (!(await stat(abs)).isFile()) throw refused(`the ${name} is not a file`);
    text = await readFile(abs, "utf8");
  } catch (error) {
    // A ScopectlError has a `code` too, but not an errno one.
    if (error instanceof ScopectlError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    if (code === "ENOENT") throw refused(`the ${name} does not exist`, { cause: error });
    throw refused(`the ${name} cannot be read (${code})`, { cause: error });
  }
  let signers = 0;
  for (const [index, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const problem = lineProblem(line);
    if (problem) throw refused(`the ${name} is not in ssh-keygen's format: line ${index + 1} has ${problem}`);
    signers++;
  }
  if (signers === 0) {
    throw refused(
      `the ${name} lists no signers (expected lines like: alice@example.com namespaces="git" ssh-ed25519 AAAA…)`,
    );
  }
}
