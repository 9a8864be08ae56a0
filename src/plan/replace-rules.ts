/**
 * When a change cannot be made in place and must be a replace (delete, then create the same id). The
 * immutable fields are the providers' list (src/resources/immutable.ts), so the plan and `pulumi up`
 * agree on what is a replace.
 */
import { isDeepStrictEqual } from "node:util";
import type { ApplicationProps, ResourceKind } from "../model/resources.ts";
import { IMMUTABLE_FIELDS } from "../resources/immutable.ts";
import type { ResourceProps } from "./types.ts";

type Fields = Record<string, unknown>;

/** The top-level fields whose change forces a replacement, sorted. */
export function replacementFields(kind: ResourceKind, before: ResourceProps, after: ResourceProps): string[] {
  const b = before as unknown as Fields;
  const a = after as unknown as Fields;
  const fields = IMMUTABLE_FIELDS[kind].filter((field) => !isDeepStrictEqual(b[field], a[field]));
  if (kind === "Application") {
    // Only create makes a client secret: an update to "generated" would leave the application with
    // no secret at all, so switching to a generated secret re-creates the application.
    const was = (before as ApplicationProps).secret.kind;
    const will = (after as ApplicationProps).secret.kind;
    if (will === "generated" && was !== "generated") fields.push("secret");
  }
  return fields.sort();
}

/** What a reviewer must know about a replace that the field diffs do not say. */
export function replacementNote(kind: ResourceKind, after: ResourceProps): string | undefined {
  if (kind === "ApiKey") {
    return "API keys are immutable: a new key is generated (shown once) and the current key stops working";
  }
  if (kind === "Application" && (after as ApplicationProps).secret.kind === "generated") {
    return "the application is re-created: a new client secret is generated (shown once) and the current one stops working";
  }
  return undefined;
}
