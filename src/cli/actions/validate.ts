/**
 * The work of `scopectl validate [DIR]`: load every manifest and spec of a folder and report all problems
 * at once. Declared in ../commands/validate.ts, which loads this module only when the command runs.
 */
import path from "node:path";
import { loadDesiredState } from "../../manifest/index.ts";
import type { DesiredState } from "../../model/desired.ts";
import { colors, note, out } from "../output.ts";

export async function validate(dir: string): Promise<void> {
  // Errors name files from the working directory, so that the terminal and editors open them.
  const state = await loadDesiredState(path.resolve(dir), { displayBase: process.cwd() });
  out(`${colors.green("valid:")} ${dir}: ${summarize(state)}`);
  const unchecked = uncheckedNotice(state);
  if (unchecked) note(unchecked);
}

/**
 * validate reads no store: references to scopes only uploads create cannot be checked here (plan and
 * apply check them). Said as a notice, not an error: the same manifests may be fine against the store.
 */
export function uncheckedNotice(state: DesiredState): string | undefined {
  const refs = state.uploadedScopeReferences;
  if (refs.length === 0) return undefined;
  const lines = refs.map(
    (r) => `  ${r.at.file}:${r.at.line ?? 1}:${r.at.column ?? 1}: ${r.scope} of Api ${r.api}`,
  );
  return [
    `notice: ${plural(refs.length, "reference")} to scopes that only uploads create, not checked without a store (plan and apply check them):`,
    ...lines,
  ].join("\n");
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

export function summarize(state: DesiredState): string {
  let scopes = 0;
  let generated = 0;
  for (const api of state.apis.values()) {
    scopes += api.scopes.length;
    generated += api.scopes.filter((s) => s.origin === "openapi").length;
  }
  return [
    `${plural(state.apis.size, "Api")} (${plural(scopes, "scope")}, ${generated} from OpenAPI)`,
    plural(state.openApiSources.size + state.uploadSources.size, "OpenApiSource"),
    plural(state.roles.size, "Role"),
    plural(state.users.size, "User"),
    plural(state.applications.size, "Application"),
    plural(state.apiKeys.size, "ApiKey"),
  ].join(", ");
}
