/**
 * The URI rules of src/model/uris.ts as check failures of a resource's props: what a provider's `check`
 * answers when a writer other than the manifest loader (a Pulumi program) hands it a javascript: redirect
 * URI or an audience with a fragment.
 */
import type {
  ApiProps,
  ApplicationProps,
  PropsByKind,
  ResourceKind,
  SettingsProps,
} from "../model/resources.ts";
import { checkAudience, checkIssuer, checkRedirectUri } from "../model/uris.ts";
import type { CheckFailure } from "./types.ts";

export function uriFailures<K extends ResourceKind>(kind: K, props: PropsByKind[K]): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const add = (property: string, label: string, value: unknown, check: (v: string) => string | undefined) => {
    if (typeof value !== "string") return;
    const problem = check(value);
    if (problem) failures.push({ property, reason: `${label} ${JSON.stringify(value)} ${problem}` });
  };
  if (kind === "Application") {
    const uris = (props as ApplicationProps).redirectUris;
    if (Array.isArray(uris)) {
      for (const [i, uri] of uris.entries()) {
        add(`props.redirectUris[${i}]`, "redirect URI", uri, checkRedirectUri);
      }
    }
  } else if (kind === "Api") {
    add("props.audience", "audience", (props as ApiProps).audience, checkAudience);
  } else if (kind === "Settings") {
    const settings = props as SettingsProps;
    add("props.issuer", "issuer", settings.issuer, checkIssuer);
    add("props.managementAudience", "managementAudience", settings.managementAudience, checkAudience);
  }
  return failures;
}
