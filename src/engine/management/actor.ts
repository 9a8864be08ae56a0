/**
 * Who calls the management API: the token's client, its user (for a user token) and the permissions
 * the token holds now at the management audience. The route builds it from the one token check
 * (server/oauth/live-access-token.ts); writes decide what they need inside their transaction.
 */
import type { ManagementPermission } from "../../model/management.ts";
import { httpManager } from "../../model/resources.ts";
import type { WriteContext } from "../../store/resources.ts";
import { InsufficientPermissionError } from "./errors.ts";

export interface ManagementActor {
  clientId: string;
  /** The signed-in user's name, for a user token. */
  user?: string;
  permissions: ReadonlySet<string>;
}

/** Throws InsufficientPermissionError naming exactly the permissions of `needed` the actor lacks. */
export function requirePermissions(actor: ManagementActor, needed: readonly ManagementPermission[]): void {
  const missing = needed.filter((p) => !actor.permissions.has(p));
  if (missing.length > 0) throw new InsufficientPermissionError(missing);
}

/** The audit actor and the rows' manager: the client writes the rows, whoever signed in through it. */
export function writeContextOf(actor: ManagementActor): WriteContext {
  const who =
    actor.user !== undefined ? `user:${actor.user} via ${actor.clientId}` : `client:${actor.clientId}`;
  return { actor: who, managedBy: httpManager(actor.clientId) };
}
