/**
 * The token side of a user sign-in, over HTTP: redeem the code a sign-in returned, refresh, and ask
 * introspection and userinfo whether an access token is still honoured. Plus edits of the user
 * tenant's manifests, for tests that change a user while the server runs.
 */
import assert from "node:assert/strict";
import { type AuthorizeParams, signIn, type UserTenant, userTenantFiles, WEB_REDIRECT } from "./sign-in.ts";
import { basic, postForm } from "./token-server.ts";

export interface UserTokenBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
  refresh_token?: string;
  id_token?: string;
}

export type TokenAnswer = Awaited<ReturnType<typeof postForm>>;

/** An OAuth error answer with this status and code, and no token in it. */
export function assertOAuthError(
  answer: { status: number; body: Record<string, unknown> },
  status: number,
  error: string,
): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.equal(answer.body.error, error, JSON.stringify(answer.body));
  assert.equal(answer.body.access_token, undefined);
}

/** The code of a redirect back to the client. */
export const codeOf = (redirect: URL): string =>
  redirect.searchParams.get("code") ?? assert.fail(`no code in ${redirect.href}`);

/** POST /oauth2/token as the regular `web` client, authenticated with Basic. */
export function postAsWeb(user: UserTenant, form: Record<string, string>): Promise<TokenAnswer> {
  return postForm(`${user.issuer}/oauth2/token`, form, { authorization: basic("web", user.webSecret) });
}

/** Redeems a code as `web`, with the verifier and (by default) the web redirect URI. */
export function redeemCode(
  user: UserTenant,
  code: string,
  verifier: string,
  redirectUri = WEB_REDIRECT,
): Promise<TokenAnswer> {
  return postAsWeb(user, {
    grant_type: "authorization_code",
    code,
    code_verifier: verifier,
    redirect_uri: redirectUri,
  });
}

/** Refreshes as `web`, optionally asking for `scope`. */
export function refreshAsWeb(user: UserTenant, refreshToken: string, scope?: string): Promise<TokenAnswer> {
  return postAsWeb(user, {
    grant_type: "refresh_token",
    refresh_token: refreshToken,
    ...(scope !== undefined ? { scope } : {}),
  });
}

/** The token response, after checking it is a 200. */
export function tokensOf(answer: TokenAnswer): UserTokenBody {
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.equal(typeof answer.body.access_token, "string");
  return answer.body as unknown as UserTokenBody;
}

/** Signs a user in at `web` (alice by default) and redeems the code: the first token response. */
export async function signInAtWeb(
  user: UserTenant,
  params: AuthorizeParams & { email?: string; password?: string } = {},
): Promise<UserTokenBody> {
  const { redirect, verifier } = await signIn(user.issuer, params);
  return tokensOf(await redeemCode(user, codeOf(redirect), verifier ?? assert.fail("no verifier")));
}

/** Introspects a token as `web` with its secret; the answer must be a 200. */
export async function introspectAsWeb(user: UserTenant, token: string): Promise<Record<string, unknown>> {
  const res = await postForm(
    `${user.issuer}/oauth2/introspect`,
    { token },
    { authorization: basic("web", user.webSecret) },
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

/** GET /oauth2/userinfo with a bearer token: the status and the JSON body (if any). */
export async function userinfo(
  issuer: string,
  accessToken: string,
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> | undefined }> {
  const res = await fetch(`${issuer}/oauth2/userinfo`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
  };
}

/**
 * The user tenant's manifests with one edit: `from` replaced by `to` in `file`. Fails when `from` is not
 * there, so a change to the tenant cannot silently turn the edit into a no-op.
 */
export function editedTenantFiles(
  issuer: string,
  file: string,
  from: string,
  to: string,
): Record<string, string> {
  const files = userTenantFiles(issuer);
  const content = files[file] ?? assert.fail(`the user tenant has no ${file}`);
  assert.ok(content.includes(from), `${file} does not contain ${JSON.stringify(from)}`);
  return { ...files, [file]: content.replace(from, to) };
}

/** Applies edited manifests and waits until the server serves them. */
export async function applyAndServe(user: UserTenant, files: Record<string, string>): Promise<void> {
  const revision = await user.tenant.apply(files);
  await user.tenant.served(revision);
}
