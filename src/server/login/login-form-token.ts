/**
 * The login form's CSRF protection, without server-side sessions: a signed double-submit token.
 *
 * The authorization request sets a random cookie (HttpOnly, SameSite=Strict) and puts
 * in the form a short-lived JWT, signed with the service's signing key, that carries the authorization
 * request and the SHA-256 of that cookie. A submission is taken only when the token verifies and the
 * cookie the browser sends hashes to the value in it: a page elsewhere can neither read the cookie nor
 * forge the token, so it cannot submit the form for the user (or sign the user in as someone else).
 * Because the signing keys live in the store, any replica verifies a token another one made.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { parseCookie, stringifySetCookie } from "cookie";
import { jwtVerify, SignJWT } from "jose";
import { ScopectlError } from "../../core/errors.ts";
import type { RequestParams } from "../oauth/authorization-request.ts";
import { FORM_BODY_LIMIT_BYTES } from "../oauth/body-errors.ts";
import type { Snapshot } from "../snapshot.ts";
import { MAX_PASSWORD_LENGTH } from "./password.ts";

/**
 * The login page's `maxlength` of its two fields (UTF-16 code units, as browsers count): 254 is the
 * longest email address (RFC 5321 §4.5.3.1.3); the password's is the longest `set-password` accepts.
 */
export const LOGIN_FIELD_LIMITS = { email: 254, password: MAX_PASSWORD_LENGTH } as const;

/**
 * The longest form token a login page may carry, so that its form post always fits the form body limit:
 * the limit less the field names and the longest credentials a browser sends. A type=email value is
 * ASCII (browsers validate it so), at most 3 bytes a character percent-encoded; a password character is
 * at most 9 (3 UTF-8 bytes, each as %XX).
 */
export const LOGIN_FORM_TOKEN_LIMIT =
  FORM_BODY_LIMIT_BYTES -
  "csrf_token=&email=&password=".length -
  3 * LOGIN_FIELD_LIMITS.email -
  9 * LOGIN_FIELD_LIMITS.password;

/**
 * Behind https the cookie is `__Host-` prefixed (Secure, Path=/, no Domain), so a sibling subdomain
 * cannot plant one of its own; a plain-http issuer (local development) cannot set Secure cookies.
 */
export function csrfCookieName(snapshot: Snapshot): string {
  return isHttps(snapshot) ? "__Host-scopectl_csrf" : "scopectl_csrf";
}

const isHttps = (snapshot: Snapshot) => snapshot.issuer.startsWith("https:");
/** The JWT type of the token, so it can never pass for an access token (at+jwt) or an ID token. */
const FORM_TOKEN_TYPE = "scopectl-login+jwt";
/** How long a login page may stay open before its form is refused. */
export const LOGIN_FORM_LIFETIME_SECONDS = 600;

const digest = (value: string) => createHash("sha256").update(value).digest("base64url");
const formAudience = (snapshot: Snapshot) => `${snapshot.issuer}/oauth2/login`;

/** The browser's CSRF cookie value, if it sent a well-formed one. */
export function csrfCookieOf(snapshot: Snapshot, cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  const value = parseCookie(cookieHeader)[csrfCookieName(snapshot)];
  return value !== undefined && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
}

export const newCsrfCookieValue = (): string => randomBytes(32).toString("base64url");

export function csrfSetCookie(snapshot: Snapshot, value: string): string {
  return stringifySetCookie({
    name: csrfCookieName(snapshot),
    value,
    httpOnly: true,
    sameSite: "strict",
    path: isHttps(snapshot) ? "/" : "/oauth2/",
    secure: isHttps(snapshot),
  });
}

export async function signLoginFormToken(
  snapshot: Snapshot,
  params: RequestParams,
  csrfCookie: string,
  nowSeconds: number,
): Promise<string> {
  const { signer } = snapshot.keys;
  return new SignJWT({ req: params, csrf: digest(csrfCookie) })
    .setProtectedHeader({ alg: signer.alg, typ: FORM_TOKEN_TYPE, kid: signer.kid })
    .setIssuer(snapshot.issuer)
    .setAudience(formAudience(snapshot))
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + LOGIN_FORM_LIFETIME_SECONDS)
    .sign(signer.key);
}

export class LoginFormError extends ScopectlError {
  static readonly code = "login.form";
  declare readonly code: typeof LoginFormError.code;

  constructor(message: string) {
    super(LoginFormError.code, message);
    this.name = "LoginFormError";
  }
}

/** The authorization request the form carries, when the token verifies and matches the cookie. */
export async function verifyLoginFormToken(
  snapshot: Snapshot,
  token: string | undefined,
  csrfCookie: string | undefined,
  nowSeconds: number,
): Promise<RequestParams> {
  if (token === undefined) throw new LoginFormError("The form has no CSRF token.");
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, snapshot.keys.verifyKey, {
      issuer: snapshot.issuer,
      audience: formAudience(snapshot),
      typ: FORM_TOKEN_TYPE,
      currentDate: new Date(nowSeconds * 1000),
    }));
  } catch {
    throw new LoginFormError("The form's CSRF token is not valid or has expired.");
  }
  const expected = typeof payload.csrf === "string" ? Buffer.from(payload.csrf) : Buffer.alloc(0);
  const presented = Buffer.from(csrfCookie === undefined ? "" : digest(csrfCookie));
  if (
    csrfCookie === undefined ||
    expected.length !== presented.length ||
    !timingSafeEqual(expected, presented)
  ) {
    throw new LoginFormError("The form's CSRF token does not belong to this browser.");
  }
  const req = payload.req;
  if (typeof req !== "object" || req === null)
    throw new LoginFormError("The form's CSRF token is not valid.");
  return Object.assign(Object.create(null), req) as RequestParams;
}
