/**
 * The browser side of the authorization code flow: `GET /oauth2/authorize` checks the request and shows
 * the login page; `POST /oauth2/login` checks the form (CSRF token, rate limits, password), then sends
 * the browser back to the client with a single-use code bound to the client, the redirect URI and the
 * PKCE challenge. No sign-in session outlives the request: each authorization shows the login page.
 *
 * A store outage (the password hash or the new grant cannot be read or written) is answered in one
 * place, withStoreOutage: back to the client with `temporarily_unavailable` (RFC 6749 §4.1.2.1) once the
 * request is known to be the client's, else a 503 page with Retry-After.
 */
import type { Request, Response } from "express";
import { sha256Hex } from "../../core/secrets.ts";
import { isStoreBusy } from "../../store/store.ts";
import type { ServerContext } from "../context.ts";
import {
  csrfCookieOf,
  csrfSetCookie,
  LOGIN_FORM_TOKEN_LIMIT,
  LoginFormError,
  newCsrfCookieValue,
  signLoginFormToken,
  verifyLoginFormToken,
} from "../login/login-form-token.ts";
import { formActionSource, sendErrorPage, sendLoginPage } from "../login/pages.ts";
import { verifyPassword } from "../login/password.ts";
import {
  type AuthorizationRequest,
  checkAuthorizationRequest,
  formParams,
  paramsOf,
  RedirectedError,
  UntrustedRequestError,
} from "../oauth/authorization-request.ts";
import { redirectTo } from "../oauth/authorization-response.ts";
import { invalidRequest, OAuthError, TemporarilyUnavailableError } from "../oauth/errors.ts";
import { readForm } from "../oauth/form.ts";
import { newAuthorizationCode, newGrantId } from "../oauth/opaque-tokens.ts";
import { grantAtSignIn } from "../oauth/user-grant.ts";
import type { Snapshot } from "../snapshot.ts";

/** An authorization code must be exchanged within this (RFC 6749 §4.1.2 recommends at most 10 minutes). */
export const AUTHORIZATION_CODE_LIFETIME_SECONDS = 60;

const nowSeconds = () => Math.floor(Date.now() / 1000);

function sendAuthorizeError(res: Response, snapshot: Snapshot, error: unknown, status: 302 | 303): void {
  if (error instanceof UntrustedRequestError) {
    sendErrorPage(res, 400, "This sign-in request cannot be completed", error.message);
    return;
  }
  if (error instanceof RedirectedError) {
    res.set("Cache-Control", "no-store");
    res.redirect(
      status,
      redirectTo(snapshot, error.redirectUri, error.state, {
        error: error.error.error,
        error_description: error.error.description,
      }),
    );
    return;
  }
  throw error;
}

const unavailable = (res: Response) =>
  sendErrorPage(res, 503, "Sign-in is starting", "The sign-in service is starting. Try again in a moment.");

/** What a handler has checked so far: once set, an error may go back to the client's redirect URI. */
interface CheckedRequest {
  snapshot: Snapshot;
  request: AuthorizationRequest;
}
const checked = (res: Response): CheckedRequest | undefined =>
  res.locals.checkedRequest as CheckedRequest | undefined;

/**
 * The answer of both sign-in routes when the store cannot be reached: the client's redirect URI with
 * `temporarily_unavailable` once the request is checked (RFC 6749 §4.1.2.1), else a 503 page.
 */
function withStoreOutage(
  ctx: ServerContext,
  status: 302 | 303,
  handler: (req: Request, res: Response) => Promise<void>,
) {
  return async (req: Request, res: Response): Promise<void> => {
    try {
      await handler(req, res);
    } catch (error) {
      if (!isStoreBusy(error) || res.headersSent) throw error;
      ctx.metrics.signIns.inc({ result: "unavailable" });
      ctx.logger.warn(
        { reqId: res.locals.requestId, err: error },
        "sign-in answered unavailable: the store cannot be reached",
      );
      const answer = new TemporarilyUnavailableError({ cause: error });
      const known = checked(res);
      if (known) {
        const { snapshot, request } = known;
        sendAuthorizeError(
          res,
          snapshot,
          new RedirectedError(request.redirectUri, request.state, answer),
          status,
        );
        return;
      }
      res.setHeader("Retry-After", String(answer.retryAfterSeconds));
      sendErrorPage(
        res,
        503,
        "Sign-in is unavailable",
        "The sign-in service cannot complete sign-ins right now. Try again in a moment.",
      );
    }
  };
}

/** No user has this name (names start with a letter or digit): what an unknown email's check reads. */
const NO_SUCH_USER = "-no-such-user";

export function authorizeHandler(ctx: ServerContext) {
  return withStoreOutage(ctx, 302, async (req: Request, res: Response): Promise<void> => {
    const snapshot = ctx.snapshot();
    if (!snapshot) return unavailable(res);
    const params = paramsOf(new URL(req.originalUrl, "http://localhost").searchParams);
    let request: AuthorizationRequest;
    try {
      request = checkAuthorizationRequest(snapshot, params);
    } catch (error) {
      sendAuthorizeError(res, snapshot, error, 302);
      return;
    }
    res.locals.checkedRequest = { snapshot, request } satisfies CheckedRequest;
    const sent = csrfCookieOf(snapshot, req.headers.cookie);
    const cookie = sent ?? newCsrfCookieValue();
    const formToken = await signLoginFormToken(snapshot, formParams(params), cookie, nowSeconds());
    // Each parameter is within its limit, but long registered values (issuer, redirect URI, client id)
    // add up: a form that could not be posted is refused now, not at its post (with a 413).
    if (formToken.length > LOGIN_FORM_TOKEN_LIMIT) {
      const tooLarge = invalidRequest(
        "the authorization request is too large for the login form; send shorter state, nonce, scope or audience",
      );
      sendAuthorizeError(
        res,
        snapshot,
        new RedirectedError(request.redirectUri, request.state, tooLarge),
        302,
      );
      return;
    }
    if (sent === undefined) res.setHeader("Set-Cookie", csrfSetCookie(snapshot, cookie));
    sendLoginPage(res, 200, {
      applicationName: request.client.name,
      formToken,
      redirectOrigin: formActionSource(request.redirectUri),
    });
  });
}

export function loginHandler(ctx: ServerContext) {
  return withStoreOutage(ctx, 303, async (req: Request, res: Response): Promise<void> => {
    const snapshot = ctx.snapshot();
    if (!snapshot) return unavailable(res);
    let form: ReturnType<typeof readForm>;
    try {
      form = readForm(req);
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      ctx.metrics.signIns.inc({ result: "refused" });
      sendErrorPage(res, 400, "Sign-in form refused", error.description);
      return;
    }
    const formToken = form.one("csrf_token");
    let request: AuthorizationRequest;
    try {
      const params = await verifyLoginFormToken(
        snapshot,
        formToken,
        csrfCookieOf(snapshot, req.headers.cookie),
        nowSeconds(),
      );
      request = checkAuthorizationRequest(snapshot, params);
    } catch (error) {
      if (error instanceof LoginFormError) {
        ctx.metrics.signIns.inc({ result: "refused" });
        sendErrorPage(res, 403, "Sign-in form refused", error.message);
        return;
      }
      sendAuthorizeError(res, snapshot, error, 303);
      return;
    }
    res.locals.checkedRequest = { snapshot, request } satisfies CheckedRequest;
    const email = (form.one("email") ?? "").trim();
    const password = form.one("password") ?? "";
    const page = (status: number, error: string) =>
      sendLoginPage(res, status, {
        applicationName: request.client.name,
        formToken: formToken as string,
        redirectOrigin: formActionSource(request.redirectUri),
        email,
        error,
      });
    if (email === "" || password === "") return page(400, "Enter your email and your password.");

    const address = req.socket.remoteAddress ?? "unknown";
    // The check is reserved before the password is hashed, so parallel attempts cannot pass a limit.
    const attempt = await ctx.loginLimiter.reserve(email, address);
    if (!attempt.allowed) {
      const wait = attempt.retryAfterSeconds;
      ctx.metrics.signIns.inc({ result: "rate_limited" });
      res.setHeader("Retry-After", String(wait));
      return page(
        429,
        `Too many failed sign-ins. Try again in ${Math.ceil(wait / 60)} minute${wait > 60 ? "s" : ""}.`,
      );
    }
    const userId = snapshot.usersByEmail.get(email.toLowerCase());
    // An unknown email costs the same store read and password hash as a known one, and gets the same
    // answer, during a store outage too. A check the outage prevented is no failure: its points go back.
    let hash: string | undefined;
    try {
      hash = await ctx.store.passwordHash(userId ?? NO_SUCH_USER);
    } catch (error) {
      if (isStoreBusy(error)) await attempt.abandoned();
      throw error;
    }
    const user = userId === undefined ? undefined : snapshot.users.get(userId);
    if (!(await verifyPassword(hash, password)) || userId === undefined || !user) {
      await attempt.failed();
      ctx.metrics.signIns.inc({ result: "failed" });
      ctx.logger.warn({ client: request.client.clientId, address }, "sign-in failed");
      // 400, not 401: a 401 must carry a WWW-Authenticate challenge (RFC 9110 §15.5.2), and a form is none.
      return page(400, "The email or password is incorrect.");
    }
    if (user.disabled) {
      ctx.metrics.signIns.inc({ result: "disabled" });
      return page(403, "This account is disabled. Ask your administrator to enable it.");
    }
    await attempt.succeeded();

    const now = nowSeconds();
    const code = newAuthorizationCode();
    const grantId = newGrantId();
    // What the user grants now is the ceiling of every token of this sign-in (user-grant.ts).
    const granted = grantAtSignIn(snapshot, { client: request.client, user, request });
    await ctx.store.createGrant(
      {
        id: grantId,
        clientId: request.client.clientId,
        userId,
        scopes: request.scopes,
        audiences: request.audiences,
        granted,
        authTime: now,
        ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
        createdAt: new Date(now * 1000).toISOString(),
      },
      {
        codeSha256: sha256Hex(code),
        grantId,
        redirectUri: request.redirectUri,
        codeChallenge: request.codeChallenge,
        expiresAt: new Date((now + AUTHORIZATION_CODE_LIFETIME_SECONDS) * 1000).toISOString(),
      },
    );
    ctx.metrics.signIns.inc({ result: "ok" });
    ctx.logger.info({ client: request.client.clientId, user: userId, sid: grantId }, "signed in");
    // The code travels in Location: no cache may keep it.
    res.set("Cache-Control", "no-store");
    res.redirect(303, redirectTo(snapshot, request.redirectUri, request.state, { code }));
  });
}
