/** Settings: the one Settings document with its defaults filled in, or all defaults when there is none. */
import type { DesiredSettings } from "../../model/desired.ts";
import { checkAudience, checkIssuer } from "../../model/uris.ts";
import { quoteShort } from "../diagnostics.ts";
import { defaultManagementAudience, SETTINGS_DEFAULTS } from "../schemas/settings-defaults.ts";
import { type Resolution, sourcePosition } from "./context.ts";

export function resolveSettings(ctx: Resolution): DesiredSettings {
  const [declared] = ctx.valid("Settings");
  const spec = declared?.manifest.spec ?? {};
  const issuer = spec.issuer ?? SETTINGS_DEFAULTS.issuer;
  const settings: DesiredSettings = {
    issuer,
    signingAlg: spec.signingAlg ?? SETTINGS_DEFAULTS.signingAlg,
    accessTokenLifetimeSeconds:
      spec.accessTokenLifetimeSeconds ?? SETTINGS_DEFAULTS.accessTokenLifetimeSeconds,
    managementAudience: spec.managementAudience ?? defaultManagementAudience(issuer),
  };
  if (declared) {
    settings.source = sourcePosition(declared.doc);
    const issuerProblem = spec.issuer === undefined ? undefined : checkIssuer(spec.issuer);
    if (issuerProblem) {
      ctx.report(declared.doc, ["spec", "issuer"], `issuer ${quoteShort(issuer)} ${issuerProblem}`);
    }
    const audience = spec.managementAudience;
    const audienceProblem = audience === undefined ? undefined : checkAudience(audience);
    if (audience !== undefined && audienceProblem) {
      ctx.report(
        declared.doc,
        ["spec", "managementAudience"],
        `managementAudience ${quoteShort(audience)} ${audienceProblem}`,
      );
    }
  }
  return settings;
}
