/** `kind: Api`: an API protected by access tokens, identified by its audience, with its manual scopes. */
import { type Static, Type } from "@sinclair/typebox";
import { AUDIENCE_PATTERN, manifestDocument, ScopeName } from "./common.ts";

export const ApiScopeSchema = Type.Object(
  {
    name: ScopeName(
      "The scope's identity within the Api, as it appears in tokens (e.g. read:orders). Reserved OpenID Connect names (openid, profile, email, offline_access, offline, phone, address) are not allowed.",
    ),
    description: Type.Optional(
      Type.String({ maxLength: 1000, description: "What the scope allows, shown to people granting it." }),
    ),
  },
  { additionalProperties: false, description: "A scope listed by hand (origin: manual)." },
);

export const ApiSpecSchema = Type.Object(
  {
    audience: Type.String({
      pattern: AUDIENCE_PATTERN,
      description:
        "The Api's identifier in tokens (`aud`) and token requests (`audience`): an absolute URI such as https://api.example.com/orders, or an identifier. Unique across Apis.",
    }),
    displayName: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: "Name shown to people. Default: metadata.name.",
      }),
    ),
    scopes: Type.Optional(
      Type.Array(ApiScopeSchema, {
        description:
          "The Api's manual scopes: the authoritative list. Scopes generated from an OpenApiSource come on top of these.",
      }),
    ),
  },
  { additionalProperties: false, description: "An Api." },
);

export const ApiManifestSchema = manifestDocument(
  "Api",
  ApiSpecSchema,
  "An API protected by access tokens: its audience and its manually listed scopes.",
);
export type ApiManifest = Static<typeof ApiManifestSchema>;
