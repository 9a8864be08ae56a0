/** `kind: Settings`: tenant-wide settings of the token service. At most one per folder. */
import { type Static, Type } from "@sinclair/typebox";
import { TokenLifetime } from "./application.ts";
import { AUDIENCE_PATTERN, ISSUER_PATTERN, manifestDocument, StringEnum } from "./common.ts";
import { SETTINGS_DEFAULTS, SIGNING_ALGS } from "./settings-defaults.ts";

export { defaultManagementAudience, SETTINGS_DEFAULTS, SIGNING_ALGS } from "./settings-defaults.ts";

export const SettingsSpecSchema = Type.Object(
  {
    issuer: Type.Optional(
      Type.String({
        format: "uri",
        pattern: ISSUER_PATTERN,
        default: SETTINGS_DEFAULTS.issuer,
        description:
          "The token issuer (`iss`): the public http(s) URL of the token service, without query or fragment.",
      }),
    ),
    signingAlg: Type.Optional(
      StringEnum(SIGNING_ALGS, {
        default: SETTINGS_DEFAULTS.signingAlg,
        description: "Algorithm that signs access tokens.",
      }),
    ),
    accessTokenLifetimeSeconds: Type.Optional(
      TokenLifetime("Default lifetime of access tokens, 60 to 86400 seconds. Default: 3600.", {
        default: SETTINGS_DEFAULTS.accessTokenLifetimeSeconds,
      }),
    ),
    managementAudience: Type.Optional(
      Type.String({
        pattern: AUDIENCE_PATTERN,
        description:
          "Audience of the built-in management API (/v1/). Default: <issuer>/v1. No Api may use it.",
      }),
    ),
  },
  { additionalProperties: false, description: "Settings." },
);

export const SettingsManifestSchema = manifestDocument(
  "Settings",
  SettingsSpecSchema,
  "Tenant-wide settings of the token service. At most one Settings document; without one, the defaults apply.",
);
export type SettingsManifest = Static<typeof SettingsManifestSchema>;
