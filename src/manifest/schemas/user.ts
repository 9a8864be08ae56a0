/** `kind: User`: a person, with roles and additional scopes. */
import { type Static, Type } from "@sinclair/typebox";
import { manifestDocument, ResourceName, ScopeGrants } from "./common.ts";

export const UserSpecSchema = Type.Object(
  {
    email: Type.String({
      format: "email",
      maxLength: 320,
      description: "The user's email address. Unique across users.",
    }),
    name: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: "The user's full name. Default: metadata.name.",
      }),
    ),
    roles: Type.Optional(
      Type.Array(ResourceName("A Role (metadata.name)."), {
        description: "Roles assigned to the user, each once.",
      }),
    ),
    additionalScopes: Type.Optional(
      ScopeGrants(
        "Scopes given to the user directly, on top of their roles, per Api: {<api name>: [<scope>...]}.",
      ),
    ),
    disabled: Type.Optional(
      Type.Boolean({ description: "A disabled user keeps their grants but gets no tokens. Default: false." }),
    ),
  },
  { additionalProperties: false, description: "A User." },
);

export const UserManifestSchema = manifestDocument(
  "User",
  UserSpecSchema,
  "A user, their roles and additional scopes.",
);
export type UserManifest = Static<typeof UserManifestSchema>;
