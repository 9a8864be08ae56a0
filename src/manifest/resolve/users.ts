/** Users: roles and additional scopes checked; one user per email address. */
import type { DesiredUser } from "../../model/desired.ts";
import { formatPlace } from "../diagnostics.ts";
import type { ManifestDocument } from "../documents.ts";
import { type Resolution, sourcePosition } from "./context.ts";
import { type ResolutionMemo, resolveDocument } from "./memo.ts";
import { checkReference, checkScopeGrants, uniqueList } from "./references.ts";

/** `memo`: a re-plan's earlier resolutions (memo.ts); the email check runs on every user regardless. */
export function resolveUsers(ctx: Resolution, memo?: ResolutionMemo): Map<string, DesiredUser> {
  const users = new Map<string, DesiredUser>();
  // Email addresses compare case-insensitively: identity providers treat them so.
  // The first document's place is looked up only when a second one needs it: a position costs a careful
  // parse of its file (parse-fast.ts), which a tenant of valid users should never pay.
  const emails = new Map<string, { user: string; doc: ManifestDocument }>();
  for (const { name, doc, manifest } of ctx.valid("User")) {
    const { spec } = manifest;
    const email = spec.email.toLowerCase();
    const first = emails.get(email);
    if (first) {
      ctx.report(
        doc,
        ["spec", "email"],
        `email "${spec.email}" is already used by User "${first.user}" (${formatPlace(first.doc.locate(["spec", "email"]))}); each user needs their own`,
      );
    } else {
      emails.set(email, { user: name, doc });
    }

    users.set(
      name,
      resolveDocument(ctx, memo, doc, (): DesiredUser => {
        const listed = spec.roles ?? [];
        const roles = uniqueList(ctx, doc, ["spec", "roles"], listed, "role").filter((role) =>
          checkReference(ctx, "Role", doc, ["spec", "roles", listed.indexOf(role)], role),
        );
        return {
          name,
          email: spec.email,
          displayName: spec.name ?? name,
          roles,
          additionalScopes: checkScopeGrants(ctx, doc, ["spec", "additionalScopes"], spec.additionalScopes),
          disabled: spec.disabled ?? false,
          source: sourcePosition(doc),
        };
      }),
    );
  }
  return users;
}
