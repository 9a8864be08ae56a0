/**
 * The authorization request (RFC 6749 §4.1.1, RFC 7636, OpenID Connect Core §3.1.2.1), checked in two
 * stages. Until the client and its redirect URI are known to match, nothing can be sent anywhere: those
 * errors are shown on a page (RFC 6749 §4.1.2.1, RFC 9700 §4.1). Every later error goes back to the
 * client's redirect URI with `error`, `state` and `iss` (RFC 9207; authorization-response.ts).
 */

import { ScopectlError } from "../../core/errors.ts";
import { checkRedirectUri } from "../../model/uris.ts";
import type { ClientEntry, Snapshot } from "../snapshot.ts";
import { requestedTargets } from "./audiences.ts";
import { OAuthError } from "./errors.ts";
import { spaceList } from "./form.ts";
import { isS256Challenge } from "./pkce.ts";
import { checkRequestedScopes, USER_CLIENT_TYPES, userAudiences } from "./user-grant.ts";

export interface AuthorizationRequest {
  client: ClientEntry;
  redirectUri: string;
  state?: string;
  nonce?: string;
  /** As asked for, OpenID and API scopes mixed. */
  scopes: string[];
  /** As asked for (`audience` split on spaces, then each RFC 8707 `resource`); empty: the default. */
  audiences: string[];
  codeChallenge: string;
}

/** Shown on a page: the request cannot be answered at any redirect URI. */
export class UntrustedRequestError extends ScopectlError {
  static readonly code = "authorize.untrusted";
  declare readonly code: typeof UntrustedRequestError.code;

  constructor(message: string) {
    super(UntrustedRequestError.code, message);
    this.name = "UntrustedRequestError";
  }
}

/**
 * Sent back to the client: its redirect URI is registered, so the error may go there. Its code is the
 * OAuth error's (`oauth.*`).
 */
export class RedirectedError extends ScopectlError {
  constructor(
    readonly redirectUri: string,
    readonly state: string | undefined,
    readonly error: OAuthError,
  ) {
    super(error.code, error.description, { cause: error });
    this.name = "RedirectedError";
  }
}

/** The request's parameters: single values, as a plain object (what the login form carries along). */
export type RequestParams = Record<string, string | string[]>;

/**
 * The longest value of each free-form parameter, in characters (`targets`: `audience` and every
 * `resource` together). The login form carries the request in its CSRF token, and its post must fit the
 * form body limit: with every parameter at its limit the token still leaves room for the credentials
 * (LOGIN_FORM_TOKEN_LIMIT), so a request the page accepts is one its form can send. Over a limit:
 * invalid_request, before the login page is shown.
 */
export const AUTHORIZATION_PARAMETER_LIMITS = {
  state: 1024,
  nonce: 512,
  scope: 1024,
  targets: 1024,
  prompt: 128,
} as const;

/** The parameters the request check reads: all that the login form needs to carry to check it again. */
const AUTHORIZATION_PARAMETERS = [
  "response_type",
  "response_mode",
  "client_id",
  "redirect_uri",
  "scope",
  "audience",
  "resource",
  "state",
  "nonce",
  "prompt",
  "code_challenge",
  "code_challenge_method",
] as const;

/** What the login form carries of a checked request: its parameters less those nothing reads. */
export function formParams(params: RequestParams): RequestParams {
  const carried: RequestParams = Object.create(null);
  for (const name of AUTHORIZATION_PARAMETERS) {
    const value = params[name];
    if (value !== undefined) carried[name] = value;
  }
  return carried;
}

export function paramsOf(search: URLSearchParams): RequestParams {
  const params: RequestParams = Object.create(null);
  for (const [name, value] of search) {
    const seen = params[name];
    params[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return params;
}

function one(params: RequestParams, name: string): string | undefined {
  const value = params[name];
  if (Array.isArray(value)) return undefined;
  return value === "" ? undefined : value;
}

function trustedRedirect(
  snapshot: Snapshot,
  params: RequestParams,
): { client: ClientEntry; redirectUri: string } {
  for (const name of ["client_id", "redirect_uri"]) {
    if (Array.isArray(params[name]))
      throw new UntrustedRequestError(`The parameter ${name} is given more than once.`);
  }
  const clientId = one(params, "client_id");
  if (clientId === undefined) throw new UntrustedRequestError("The request has no client_id.");
  const client = snapshot.clients.get(clientId);
  if (!client) throw new UntrustedRequestError(`There is no application with the client id "${clientId}".`);
  if (client.disabled) throw new UntrustedRequestError(`The application "${client.name}" is disabled.`);
  if (!USER_CLIENT_TYPES.has(client.type)) {
    throw new UntrustedRequestError(
      `The application "${client.name}" is a machine-to-machine application; it cannot sign users in.`,
    );
  }
  const redirectUri = one(params, "redirect_uri");
  if (redirectUri === undefined) throw new UntrustedRequestError("The request has no redirect_uri.");
  // Exact string match (RFC 9700 §4.1.3): no prefix, no normalization.
  if (!client.redirectUris.includes(redirectUri)) {
    throw new UntrustedRequestError(
      `The redirect_uri "${redirectUri}" is not registered for the application "${client.name}".`,
    );
  }
  // The store may hold one the rules refuse (written before them, or by hand). Nothing may be sent
  // there, and the login page and redirectTo parse it (WHATWG URL): a page, not a 500. The URI is not
  // echoed: it may carry credentials; the problem never does.
  const problem = checkRedirectUri(redirectUri);
  if (problem !== undefined) {
    throw new UntrustedRequestError(
      `The redirect_uri is registered for the application "${client.name}", but it is not a valid redirect URI (it ${problem}); its manifest must be fixed and applied again.`,
    );
  }
  return { client, redirectUri };
}

const invalid = (description: string) => new OAuthError("invalid_request", description);

const length = (value: string | string[] | undefined): number =>
  value === undefined ? 0 : [value].flat().reduce((sum, v) => sum + v.length, 0);

/** The state, when it may go back to the client: given once and within its limit. */
function returnableState(params: RequestParams): string | undefined {
  if (Array.isArray(params.state) || length(params.state) > AUTHORIZATION_PARAMETER_LIMITS.state) {
    return undefined;
  }
  return one(params, "state");
}

function checkSizes(params: RequestParams): void {
  const limits = AUTHORIZATION_PARAMETER_LIMITS;
  for (const name of ["state", "nonce", "scope", "prompt"] as const) {
    if (length(params[name]) > limits[name]) {
      throw invalid(`${name} is longer than ${limits[name]} characters`);
    }
  }
  if (length(params.audience) + length(params.resource) > limits.targets) {
    throw invalid(`audience and resource are longer than ${limits.targets} characters together`);
  }
}

function checkTrusted(snapshot: Snapshot, params: RequestParams, client: ClientEntry): AuthorizationRequest {
  const repeated = Object.keys(params).filter((name) => Array.isArray(params[name]) && name !== "resource");
  if (repeated.length > 0) throw invalid(`the parameter ${repeated[0]} is given more than once`);
  checkSizes(params);
  if (one(params, "request") !== undefined) {
    throw new OAuthError("request_not_supported", "request objects are not supported");
  }
  if (one(params, "request_uri") !== undefined) {
    throw new OAuthError("request_uri_not_supported", "request_uri is not supported");
  }
  const responseType = one(params, "response_type");
  if (responseType === undefined) throw invalid("response_type is required");
  if (responseType !== "code") {
    throw new OAuthError("unsupported_response_type", `response_type must be code, not ${responseType}`);
  }
  const responseMode = one(params, "response_mode");
  if (responseMode !== undefined && responseMode !== "query") {
    throw invalid(`response_mode must be query, not ${responseMode}`);
  }
  const challenge = one(params, "code_challenge");
  if (challenge === undefined) throw invalid("code_challenge is required: this server requires PKCE (S256)");
  const method = one(params, "code_challenge_method");
  if (method !== "S256") {
    throw invalid(
      method === undefined
        ? "code_challenge_method is required and must be S256 (without it, the method would be plain)"
        : `code_challenge_method must be S256, not ${method}`,
    );
  }
  if (!isS256Challenge(challenge)) {
    throw invalid("code_challenge must be the 43-character base64url SHA-256 of the code_verifier");
  }
  // No sign-in session is kept between requests, so a request that may not show the login page fails.
  const prompt = spaceList(one(params, "prompt"));
  if (prompt.includes("none")) throw new OAuthError("login_required", "the user must sign in");
  const scopes = spaceList(one(params, "scope"));
  const resources = params.resource === undefined ? [] : [params.resource].flat();
  const audiences = requestedTargets(
    one(params, "audience"),
    resources.filter((r) => r !== ""),
  );
  const targets = userAudiences(snapshot, client, { scopes, audiences });
  checkRequestedScopes(snapshot, targets, scopes);
  const state = one(params, "state");
  const nonce = one(params, "nonce");
  return {
    client,
    redirectUri: one(params, "redirect_uri") as string,
    ...(state !== undefined ? { state } : {}),
    ...(nonce !== undefined ? { nonce } : {}),
    scopes,
    audiences,
    codeChallenge: challenge,
  };
}

/**
 * The checked request, or UntrustedRequestError (show it) or RedirectedError (send it to the client).
 * Runs on the authorization request and again on the login form's submission, against the snapshot of
 * that moment.
 */
export function checkAuthorizationRequest(snapshot: Snapshot, params: RequestParams): AuthorizationRequest {
  const { client, redirectUri } = trustedRedirect(snapshot, params);
  try {
    return checkTrusted(snapshot, params, client);
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    throw new RedirectedError(redirectUri, returnableState(params), error);
  }
}
