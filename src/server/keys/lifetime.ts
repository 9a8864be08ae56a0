/**
 * How long a token can live: the longest lifetime any token issued from this store can have. A retired
 * signing key stays published for that long, so that every token it signed still verifies until it
 * expires.
 */
import { SETTINGS_DEFAULTS } from "../../manifest/schemas/settings-defaults.ts";
import type { StoredResource } from "../../model/resources.ts";

/** The max of the Settings' access token lifetime (3600 s without a Settings row) and every Application's. */
export function maxTokenLifetimeSeconds(resources: readonly StoredResource[]): number {
  let settings: number = SETTINGS_DEFAULTS.accessTokenLifetimeSeconds;
  let max = 0;
  for (const resource of resources) {
    if (resource.kind === "Settings") settings = resource.props.accessTokenLifetimeSeconds;
    // Disabled applications count too: tokens they got before they were disabled may still be alive.
    else if (resource.kind === "Application") max = Math.max(max, resource.props.tokens.lifetimeSeconds);
  }
  return Math.max(settings, max);
}
