/**
 * Where reconciled state and sign-in state meet: which resource writes end sign-ins, and whether a
 * user's row still lets it sign in. The rules are the store's, not a backend's, so every
 * implementation asks them here and applies the answer in the same transaction as the write.
 */

import type { ApplicationProps, ResourceKind, UserProps } from "../model/resources.ts";

/** Every live grant of one user (by user id) or at one client (by client id), to revoke. */
export interface RevokedGrants {
  of: "user" | "client";
  id: string;
  reason: string;
}

/** What a resource write takes away from sign-in state, in the order it is to be applied. */
export interface EndedSignIns {
  /** A removed user: its password is forgotten first. */
  forgetPasswordOf?: string;
  revoke: RevokedGrants[];
}

/**
 * The sign-ins a write ends: those of a User disabled or removed, and those at an Application disabled,
 * removed or given another client id. Revoked grants stay revoked, so a user or application enabled
 * again, or declared again under the same name (perhaps another person), starts without them; and since
 * the change and the revocations commit together, whichever writer makes the change (apply, sync,
 * Pulumi), no token of the old sign-ins outlives it. A password belongs to its user: a user removed and
 * later declared again under the same name must not sign in with the old one.
 *
 * `after` is undefined for a removal. `before` gives the props before the write (undefined for a
 * create); it is called only when the rule needs them (an Application's old client id), so a backend
 * that stores props as text parses them only then. Undefined: the write ends nothing.
 */
export function signInsEndedBy(
  kind: ResourceKind,
  id: string,
  before: () => unknown,
  after: unknown,
): EndedSignIns | undefined {
  if (kind === "User") {
    if (after === undefined) {
      return { forgetPasswordOf: id, revoke: [{ of: "user", id, reason: "user removed" }] };
    }
    if ((after as Partial<UserProps>).disabled === true) {
      return { revoke: [{ of: "user", id, reason: "user disabled" }] };
    }
    return undefined;
  }
  if (kind !== "Application") return undefined;
  const beforeProps = before();
  const was = beforeProps === undefined ? undefined : (beforeProps as Partial<ApplicationProps>).clientId;
  const app = after as Partial<ApplicationProps> | undefined;
  const revoke: RevokedGrants[] = [];
  if (app === undefined) {
    if (was !== undefined) revoke.push({ of: "client", id: was, reason: "application removed" });
  } else {
    if (was !== undefined && was !== app.clientId) {
      revoke.push({ of: "client", id: was, reason: "application's client id changed" });
    }
    if (app.disabled === true && typeof app.clientId === "string") {
      revoke.push({ of: "client", id: app.clientId, reason: "application disabled" });
    }
  }
  return revoke.length === 0 ? undefined : { revoke };
}

/**
 * Why a user's row lets it sign in no more (removed, disabled), or undefined. `props` is the row's
 * props, undefined when the store has no such user. A login checks the user against the server's
 * snapshot, which may lag an apply that disabled or removed the user: the store's row decides.
 */
export function userSignInEnded(props: unknown): string | undefined {
  if (props === undefined) return "user removed";
  return (props as Partial<UserProps>).disabled === true ? "user disabled" : undefined;
}
