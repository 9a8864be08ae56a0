/** `kind: Role`: a named set of Api scopes that users are given. */
import { type Static, Type } from "@sinclair/typebox";
import { manifestDocument, ScopeGrants } from "./common.ts";

export const RoleSpecSchema = Type.Object(
  {
    displayName: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: "Name shown to people. Default: metadata.name.",
      }),
    ),
    description: Type.Optional(Type.String({ maxLength: 1000, description: "What the role is for." })),
    scopes: Type.Optional(
      ScopeGrants(
        "The scopes the role grants, per Api: {<api name>: [<scope>...]}. The Role owns these grants.",
      ),
    ),
  },
  { additionalProperties: false, description: "A Role." },
);

export const RoleManifestSchema = manifestDocument(
  "Role",
  RoleSpecSchema,
  "A role: a set of Api scopes for users.",
);
export type RoleManifest = Static<typeof RoleManifestSchema>;
