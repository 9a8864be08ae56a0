/**
 * API keys (`sck_…`): opaque to the API, so each is asked about by RFC 7662 introspection at the
 * authorization server, as the API's own m2m client (an Application authorized for this API). Answers are
 * cached, bounded in count and in time: an active key for at most `cacheSeconds` (60 at most) and never
 * past its expiry, an inactive one for `negativeCacheSeconds`, so a revoked key stops working within the
 * window and a flood of bad keys costs the server one question per key per window. The cache is keyed by
 * the key's SHA-256, so no key is held in memory longer than its request.
 */
import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import { invalidToken, unavailable } from "./errors.ts";
import type { Principal } from "./principal.ts";
import { scopesOf } from "./scope-claims.ts";

/** The prefix every scopectl API key starts with (core/secrets.ts's API_KEY_PREFIX). */
export { API_KEY_PREFIX } from "../core/secrets.ts";

export interface ApiKeyOptions {
  /** The API's own m2m Application: its client id and secret (client_secret_basic). */
  clientId: string;
  clientSecret: string;
  /** Default `{issuer}/oauth2/introspect` (scopectl's). */
  introspectionEndpoint?: string;
  /** How long an active key's answer is trusted, in seconds; default and at most 60. */
  cacheSeconds?: number;
  /** How long an inactive key's answer is kept, in seconds; default 5. */
  negativeCacheSeconds?: number;
  /** How many answers are kept; default 10,000 (the least recently used go first). */
  maxEntries?: number;
  /** How long an introspection may take, in milliseconds; default 5000. */
  timeoutMs?: number;
}

export const MAX_API_KEY_CACHE_SECONDS = 60;
/** At most this many introspections at once; beyond, a key not in the cache is answered 503 at once. */
export const MAX_CONCURRENT_INTROSPECTIONS = 32;
/**
 * The shape `generateApiKey` (core/secrets.ts) gives every key: `sck_`, 8 hex, `_`, 32 random bytes in
 * base64url. Anything else is refused here, without a question to the server.
 */
const API_KEY_SHAPE = /^sck_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/;

interface Cached {
  principal: Principal | undefined;
  until: number;
}

export interface ApiKeyContext {
  issuer: string;
  audience: string;
  /** The clock, in milliseconds (tests move it); default Date.now. */
  now?: () => number;
}

export type ApiKeyVerifier = (key: string) => Promise<Principal>;

function audiencesOf(aud: unknown): string[] {
  if (typeof aud === "string") return [aud];
  return Array.isArray(aud) ? aud.filter((a): a is string => typeof a === "string") : [];
}

/** RFC 6749 §2.3.1: the client id and secret are form-urlencoded before they go into Basic. */
function basic(clientId: string, clientSecret: string): string {
  const encode = (s: string) => encodeURIComponent(s).replace(/%20/g, "+");
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString("base64")}`;
}

export function apiKeyVerifier(options: ApiKeyOptions, context: ApiKeyContext): ApiKeyVerifier {
  const now = context.now ?? Date.now;
  const endpoint = options.introspectionEndpoint ?? `${context.issuer.replace(/\/+$/, "")}/oauth2/introspect`;
  const positiveMs =
    Math.min(options.cacheSeconds ?? MAX_API_KEY_CACHE_SECONDS, MAX_API_KEY_CACHE_SECONDS) * 1000;
  const negativeMs = (options.negativeCacheSeconds ?? 5) * 1000;
  const max = options.maxEntries ?? 10_000;
  const active = new LRUCache<string, Cached>({ max });
  // Inactive answers apart, and fewer: a flood of made-up keys cannot push out the keys in use.
  const inactive = new LRUCache<string, Cached>({ max: Math.max(1, Math.ceil(max / 10)) });
  const inFlight = new Map<string, Promise<Principal | undefined>>();
  const authorization = basic(options.clientId, options.clientSecret);

  async function introspect(key: string): Promise<Principal | undefined> {
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: "POST",
        headers: {
          authorization,
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
        },
        body: new URLSearchParams({ token: key }).toString(),
        redirect: "error",
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      });
    } catch (error) {
      throw unavailable("the authorization server's introspection endpoint cannot be reached", error);
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      const why =
        response.status === 401 ? "refused this API's client credentials" : `answered ${response.status}`;
      throw unavailable(`the authorization server's introspection ${why}`);
    }
    let answer: Record<string, unknown>;
    try {
      answer = (await response.json()) as Record<string, unknown>;
    } catch (error) {
      throw unavailable("the authorization server's introspection answered something other than JSON", error);
    }
    if (answer === null || typeof answer !== "object" || answer.active !== true) return undefined;
    // Active for the caller is not enough: the key must be an API key of this API, from this issuer.
    if (answer.token_type !== "api_key") return undefined;
    if (!audiencesOf(answer.aud).includes(context.audience)) return undefined;
    if (answer.iss !== undefined && answer.iss !== context.issuer) return undefined;
    const exp = typeof answer.exp === "number" ? answer.exp : undefined;
    if (exp !== undefined && exp * 1000 <= now()) return undefined;
    return {
      kind: "api_key",
      subject: typeof answer.sub === "string" ? answer.sub : undefined,
      clientId: undefined,
      apiKey: typeof answer.api_key === "string" ? answer.api_key : undefined,
      scopes: scopesOf(answer, "scope"),
      expiresAt: exp,
      claims: Object.freeze({ ...answer }),
    };
  }

  async function lookUp(hash: string, key: string): Promise<Principal | undefined> {
    const pending = inFlight.get(hash);
    if (pending) return pending;
    if (inFlight.size >= MAX_CONCURRENT_INTROSPECTIONS) {
      throw unavailable("too many API keys are being checked at once; retry");
    }
    const question = introspect(key).then((principal) => {
      const t = now();
      const until = principal
        ? Math.min(
            t + positiveMs,
            principal.expiresAt === undefined ? Number.POSITIVE_INFINITY : principal.expiresAt * 1000,
          )
        : t + negativeMs;
      (principal ? active : inactive).set(hash, { principal, until });
      return principal;
    });
    inFlight.set(hash, question);
    try {
      return await question;
    } finally {
      inFlight.delete(hash);
    }
  }

  return async (key) => {
    if (!API_KEY_SHAPE.test(key)) throw invalidToken("the API key is malformed");
    const hash = createHash("sha256").update(key, "utf8").digest("hex");
    const cached = active.get(hash) ?? inactive.get(hash);
    const principal = cached && cached.until > now() ? cached.principal : await lookUp(hash, key);
    if (!principal) {
      throw invalidToken(
        "the API key is not valid for this API (unknown, revoked, expired or for another API)",
      );
    }
    // A copy per request: a handler that changes its req.auth changes nothing for the next request.
    return { ...principal, scopes: new Set(principal.scopes) };
  };
}
