/** `kind: ApiKey`: a key for one Api with a fixed set of scopes; the key material is generated, never in git. */
import { type Static, Type } from "@sinclair/typebox";
import { manifestDocument, ResourceName, ScopeName } from "./common.ts";

export const ApiKeySpecSchema = Type.Object(
  {
    api: ResourceName("The Api (metadata.name) the key is for."),
    scopes: Type.Array(ScopeName("A scope of that Api."), {
      minItems: 1,
      description: "The key's scopes, each once. Keys are immutable: new scopes mean a new key.",
    }),
    owner: Type.Optional(ResourceName("The User (metadata.name) responsible for the key.")),
    expiresAt: Type.Optional(
      Type.String({
        format: "date-time",
        description: "When the key stops working: an RFC 3339 instant, e.g. 2027-12-31T23:59:59Z.",
      }),
    ),
  },
  { additionalProperties: false, description: "An ApiKey." },
);

export const ApiKeyManifestSchema = manifestDocument(
  "ApiKey",
  ApiKeySpecSchema,
  "An API key for one Api with a fixed set of scopes. The key is generated on create and shown once.",
);
export type ApiKeyManifest = Static<typeof ApiKeyManifestSchema>;
