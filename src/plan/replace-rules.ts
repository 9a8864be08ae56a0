/**
 * When a change cannot be made in place and must be a replace (delete, then create the same id). The
 * immutable fields are the providers' list (src/providers/immutable.ts), so the plan and `pulumi up`
 * agree on what is a replace.
 */
import type { ApplicationProps, ResourceKind } from "../model/resources.ts";
import type { ResourceProps } from "./types.ts";

export { replacementFields } from "../providers/immutable.ts";

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
