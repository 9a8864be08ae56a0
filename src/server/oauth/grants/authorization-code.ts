/**
 * The authorization code grant at the token endpoint (RFC 6749 §4.1.3, RFC 7636 §4.5): the code is
 * redeemed once, by the client it was issued to, with the redirect URI it was issued for and the PKCE
 * verifier of its challenge. A code presented a second time revokes its grant: the tokens the first
 * exchange issued stop working (RFC 6749 §4.1.2, RFC 9700 §4.5). The tokens carry what the sign-in
 * granted, for all of its audiences or (`resource`, `audience`; RFC 8707 §2.2) some of them.
 */
import { sha256Hex } from "../../../core/secrets.ts";
import type { ServerContext } from "../../context.ts";
import { requestedTargets } from "../audiences.ts";
import { invalidGrant, invalidRequest } from "../errors.ts";
import { isCodeVerifier, verifierMatches } from "../pkce.ts";
import { narrowGrant, requireUserClient } from "../user-grant.ts";
import { issueUserTokens, type TokenResponseBody } from "../user-tokens.ts";
import type { GrantRequest, TokenGrant } from "./types.ts";

async function exchangeCode(
  { store }: ServerContext,
  { snapshot, client, form, now: nowSeconds }: GrantRequest,
): Promise<TokenResponseBody> {
  requireUserClient(client, "use the authorization_code grant");
  const code = form.one("code");
  const redirectUri = form.one("redirect_uri");
  const verifier = form.one("code_verifier");
  if (code === undefined) throw invalidRequest("code is required");
  if (redirectUri === undefined) throw invalidRequest("redirect_uri is required");
  if (verifier === undefined) throw invalidRequest("code_verifier is required (PKCE)");
  if (!isCodeVerifier(verifier)) {
    throw invalidRequest("code_verifier must be 43 to 128 characters of A-Z, a-z, 0-9, '-', '.', '_', '~'");
  }
  const audiences = requestedTargets(form.one("audience"), form.all("resource"));
  const nowIso = new Date(nowSeconds * 1000).toISOString();
  const redeemed = await store.redeemCode(sha256Hex(code), nowIso);
  switch (redeemed.status) {
    case "ok":
      break;
    case "reused":
      throw invalidGrant("the authorization code was used before; the tokens it issued are revoked");
    case "expired":
      throw invalidGrant("the authorization code has expired; sign in again");
    default:
      throw invalidGrant("the authorization code is not valid");
  }
  const { grant, code: record } = redeemed;
  // Checked after the code is spent, so that a guessing attacker gets one try per code.
  if (grant.clientId !== client.clientId)
    throw invalidGrant("the authorization code was issued to another client");
  if (record.redirectUri !== redirectUri) {
    throw invalidGrant("redirect_uri differs from the one of the authorization request");
  }
  if (!verifierMatches(verifier, record.codeChallenge)) {
    throw invalidGrant("code_verifier does not match the code_challenge of the authorization request");
  }
  const access = narrowGrant(grant.granted, { scopes: [], audiences });
  return issueUserTokens(store, snapshot, { client, grant, access, nonce: grant.nonce }, nowSeconds);
}

/** Public clients may: PKCE binds the code to the client that asked for it. */
export const authorizationCode: TokenGrant = { publicClients: true, handle: exchangeCode };
