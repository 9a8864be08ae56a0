/** `kind: Application`: an OAuth client, the Apis it is authorized for and the scopes enabled for each. */
import { type Static, Type } from "@sinclair/typebox";
import {
  CLIENT_ID_PATTERN,
  ENV_NAME_PATTERN,
  manifestDocument,
  NameMap,
  NO_FRAGMENT_PATTERN,
  ScopeName,
  StringEnum,
} from "./common.ts";

export const APPLICATION_TYPES = ["m2m", "regular", "spa"] as const;

/** Access-token lifetimes we accept, in seconds: one minute to one day. */
export const MIN_TOKEN_LIFETIME_SECONDS = 60;
export const MAX_TOKEN_LIFETIME_SECONDS = 86_400;

export const TokenLifetime = (description: string, extra: { default?: number } = {}) =>
  Type.Integer({
    minimum: MIN_TOKEN_LIFETIME_SECONDS,
    maximum: MAX_TOKEN_LIFETIME_SECONDS,
    description,
    ...extra,
  });

/** The one form a secret may take in a manifest: the name of an environment variable that holds it. */
export const SecretFromEnvSchema = Type.Object(
  {
    fromEnv: Type.String({
      pattern: ENV_NAME_PATTERN,
      description: "Name of the environment variable that holds the client secret when the plan is applied.",
    }),
  },
  {
    additionalProperties: false,
    description:
      "Where the client secret comes from. Secrets never live in git: name an environment variable, or omit `secret` to have one generated on create and shown once. Not allowed for spa (a public client).",
  },
);

export const ApiAccessSchema = Type.Object(
  {
    scopes: Type.Optional(
      Type.Union(
        [
          Type.Array(ScopeName("A scope of that Api."), { title: "a list of scope names" }),
          Type.Literal("all", { title: '"all"' }),
        ],
        {
          description:
            'The scopes enabled for this application: a list of scope names, or "all" for every scope of the Api, including scopes added later. Default: none (authorized for the audience only).',
        },
      ),
    ),
  },
  { additionalProperties: false, description: "The application's access to one Api." },
);

export const ApplicationSpecSchema = Type.Object(
  {
    type: StringEnum(APPLICATION_TYPES, {
      description:
        "m2m: a machine client (client credentials, no redirect URIs); regular: a server-side web app (confidential); spa: a single-page app (public client, no secret).",
    }),
    clientId: Type.Optional(
      Type.String({
        pattern: CLIENT_ID_PATTERN,
        description:
          "The client id, stable across re-creation. Default: the application's metadata.name. Unique across applications.",
      }),
    ),
    secret: Type.Optional(SecretFromEnvSchema),
    disabled: Type.Optional(
      Type.Boolean({
        description:
          "A disabled application keeps its configuration but gets no tokens, and its tokens no longer introspect as active. Default: false.",
      }),
    ),
    redirectUris: Type.Optional(
      Type.Array(
        Type.String({
          format: "uri",
          pattern: NO_FRAGMENT_PATTERN,
          description: "An absolute redirect URI.",
        }),
        {
          description:
            "Where the authorization server may send the browser back. Required for regular and spa; not allowed for m2m.",
        },
      ),
    ),
    apis: Type.Optional(
      NameMap(
        ApiAccessSchema,
        "The Apis this application is authorized for, with the scopes enabled for each: {<api name>: {scopes}}.",
      ),
    ),
    tokens: Type.Optional(
      Type.Object(
        {
          lifetimeSeconds: Type.Optional(
            TokenLifetime(
              "Lifetime of this application's access tokens, 60 to 86400 seconds. Default: Settings.accessTokenLifetimeSeconds.",
            ),
          ),
          includeApiScopesInPermissions: Type.Optional(
            Type.Boolean({
              description:
                "Also put the granted API scopes in a `permissions` claim (for Kinde-style consumers). Default: false.",
            }),
          ),
        },
        { additionalProperties: false, description: "Access tokens issued to this application." },
      ),
    ),
  },
  { additionalProperties: false, description: "An Application." },
);

export const ApplicationManifestSchema = manifestDocument(
  "Application",
  ApplicationSpecSchema,
  "An OAuth client: its type, the Apis it is authorized for and the scopes enabled for each.",
);
export type ApplicationManifest = Static<typeof ApplicationManifestSchema>;
