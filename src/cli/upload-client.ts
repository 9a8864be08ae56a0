/**
 * `scopectl openapi upload`'s conversation with the server (docs/management-api.md#uploading-a-spec):
 * discovery (`{server}/.well-known/openid-configuration`) for the token endpoint and the issuer, an
 * access token for the management audience by client credentials (RFC 6749 §4.4, the secret sent with
 * HTTP Basic as §2.3.1 says, no scope asked for so the server grants every permission the client has
 * there), then `PUT {server}/v1/apis/{api}/openapi` with the spec's bytes. Every refusal becomes a
 * ScopectlError whose code says what kind it is; the secret and the token never enter a message.
 */

import { isErrorCode, ScopectlError } from "../core/errors.ts";
import { redactUrls } from "../core/redact.ts";
import { ManagementConflictError, type ScopeHolder } from "../engine/management/errors.ts";
import type { ImportAnswer } from "../engine/management/openapi-import.ts";
import { defaultManagementAudience } from "../manifest/schemas/settings-defaults.ts";
import { type Diagnostic, InputError } from "../model/diagnostics.ts";
import type { SpecFormat } from "../openapi/files.ts";
import { uploadName } from "../server/http/spec-formats.ts";
import { bearerChallengeParams } from "./bearer-challenge.ts";
import { CLIENT_ID_ENV, CLIENT_SECRET_ENV } from "./options.ts";
import { exchange, objectOf, type RemoteAnswer } from "./remote-http.ts";
import type { ClientCredentials } from "./upload-options.ts";

/** What a first upload needs; a replacement also needs delete:api_scopes (docs/management-api.md). */
const UPLOAD_NEEDS =
  "a first upload needs create:api_scopes and update:apis, a replacement also delete:api_scopes";

export interface UploadTarget {
  /** The service's base URL, checked by parseServerUrl. */
  server: URL;
  api: string;
  /** The management audience; undefined: `{issuer}/v1` from the discovery document. */
  audience: string | undefined;
  dryRun: boolean;
  timeoutMs: number;
}

export interface SpecToUpload {
  bytes: Uint8Array;
  format: SpecFormat;
  /** The file as messages name it (relative to the working directory). */
  displayPath: string;
}

/** The server's answer: the management API's ImportAnswer, as JSON. */
export type UploadAnswer = ImportAnswer;

/** `{base}/{path}`: the base's own path kept (a service under a path prefix), one `/` between. */
function under(server: URL, path: string): URL {
  return new URL(`${server.href.replace(/\/+$/, "")}/${path}`);
}

/** Removes the secret and the token from text that came from the server, should it ever echo them. */
function scrubber(secrets: readonly string[]): (text: string) => string {
  const present = secrets.filter((s) => s.length > 0);
  return (text) => present.reduce((t, secret) => t.split(secret).join("***"), text);
}

/** `409 conflict: description` from an OAuth-style error body, or `HTTP 500` without one. */
function errorText(answer: RemoteAnswer, scrub: (text: string) => string): string {
  const body = objectOf(answer.json);
  const error = typeof body?.error === "string" ? body.error : undefined;
  const description = typeof body?.error_description === "string" ? body.error_description : undefined;
  const text = [error, description].filter((s) => s !== undefined).join(": ");
  return scrub(text === "" ? `HTTP ${answer.status}` : `${answer.status} ${text}`);
}

/** 502-504: the service or a proxy in front of it says it cannot answer now. */
function unavailable(what: string, answer: RemoteAnswer, scrub: (text: string) => string): ScopectlError {
  return new ScopectlError(
    "remote.unreachable",
    `${what} was answered ${errorText(answer, scrub)}: the service is unavailable; retry later`,
  );
}

interface Discovery {
  issuer: string;
  tokenEndpoint: URL;
}

async function discover(target: UploadTarget): Promise<Discovery> {
  const url = under(target.server, ".well-known/openid-configuration");
  const answer = await exchange({ method: "GET", url, what: "discovery", timeoutMs: target.timeoutMs });
  const doc = objectOf(answer.json);
  if (answer.status >= 502 && answer.status <= 504) throw unavailable("discovery", answer, (t) => t);
  if (answer.status !== 200 || typeof doc?.issuer !== "string" || typeof doc.token_endpoint !== "string") {
    throw new ScopectlError(
      "remote.unexpected",
      `discovery (GET ${url.href}) did not answer an OpenID Connect discovery document (HTTP ${answer.status}): is --server the scopectl token service's base URL (its issuer, e.g. https://auth.example.com)?`,
    );
  }
  return { issuer: doc.issuer, tokenEndpoint: checkTokenEndpoint(doc.token_endpoint, target.server) };
}

/**
 * The token endpoint receives the client secret: on --server's own origin, or https elsewhere (a
 * service whose public issuer differs from the URL CI reaches it at); never plain http to another host.
 */
function checkTokenEndpoint(value: string, server: URL): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || redactUrls(value) !== value || url.username !== "" || url.password !== "") {
    throw new ScopectlError(
      "remote.unexpected",
      `the discovery document's token_endpoint "${redactUrls(value)}" is not a URL scopectl sends credentials to`,
    );
  }
  if (url.origin !== server.origin && url.protocol !== "https:") {
    throw new ScopectlError(
      "remote.unexpected",
      `the discovery document's token_endpoint ${url.href} is on another origin than --server (${server.origin}) and not https: the client secret is not sent there`,
    );
  }
  return url;
}

/** RFC 6749 §2.3.1: the id and secret are each form-urlencoded (Appendix B), then joined and base64'd. */
function basicAuthorization({ clientId, clientSecret }: ClientCredentials): string {
  const form = (value: string) => new URLSearchParams([["", value]]).toString().slice(1);
  return `Basic ${Buffer.from(`${form(clientId)}:${form(clientSecret)}`).toString("base64")}`;
}

/** What to say after the token endpoint's refusal, by its `error`. */
function tokenAdvice(error: string | undefined, audience: string): string {
  if (error === "invalid_client") return `; check ${CLIENT_ID_ENV} and ${CLIENT_SECRET_ENV}`;
  if (error === "invalid_target" || error === "unauthorized_client") {
    return `; the client must be an m2m Application authorized for the management Api (audience ${audience}) in the config repository; if the server's Settings.managementAudience is another, give it with --audience or SCOPECTL_AUDIENCE`;
  }
  return "";
}

async function accessToken(
  target: UploadTarget,
  discovery: Discovery,
  audience: string,
  credentials: ClientCredentials,
  scrub: (text: string) => string,
): Promise<string> {
  const answer = await exchange({
    method: "POST",
    url: discovery.tokenEndpoint,
    what: "the token request",
    headers: {
      authorization: basicAuthorization(credentials),
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ grant_type: "client_credentials", audience }),
    timeoutMs: target.timeoutMs,
  });
  const body = objectOf(answer.json);
  if (answer.status === 200) {
    const token = body?.access_token;
    const type = body?.token_type;
    if (typeof token === "string" && token !== "" && typeof type === "string" && /^bearer$/i.test(type)) {
      return token;
    }
    throw new ScopectlError(
      "remote.unexpected",
      "the token endpoint answered 200 without a bearer access_token",
    );
  }
  if (answer.status >= 502 && answer.status <= 504) throw unavailable("the token request", answer, scrub);
  const error = typeof body?.error === "string" ? body.error : undefined;
  const code = answer.status === 429 ? "oauth.rate-limited" : `oauth.${(error ?? "").replaceAll("_", "-")}`;
  throw new ScopectlError(
    isErrorCode(code) ? code : "remote.unexpected",
    `the token endpoint refused client "${credentials.clientId}" for audience ${audience} (${errorText(answer, scrub)})${tokenAdvice(error, audience)}`,
  );
}

/** The scopes a 403's challenge names as missing (RFC 6750 §3), or undefined. */
function missingScopes(answer: RemoteAnswer): string[] | undefined {
  const header = answer.headers.get("www-authenticate");
  const scope = header ? bearerChallengeParams(header)?.get("scope") : undefined;
  return scope ? scope.split(" ").filter((s) => s !== "") : undefined;
}

function holdersOf(body: Record<string, unknown> | undefined): ScopeHolder[] {
  return Array.isArray(body?.holders) ? (body.holders as ScopeHolder[]) : [];
}

/** A 422's diagnostics name the upload (`upload.yaml`); here they name the local file. */
function localDiagnostics(
  body: Record<string, unknown> | undefined,
  spec: SpecToUpload,
  scrub: (t: string) => string,
) {
  const uploaded = uploadName(spec.format);
  const given = Array.isArray(body?.diagnostics) ? (body.diagnostics as Diagnostic[]) : [];
  const diagnostics = given
    .filter((d) => typeof d?.message === "string")
    .map((d) => ({
      ...d,
      file: d.file === uploaded ? spec.displayPath : scrub(String(d.file)),
      message: scrub(d.message),
    }));
  if (diagnostics.length > 0) return diagnostics;
  const description =
    typeof body?.error_description === "string" ? body.error_description : "the spec was refused";
  return [{ file: spec.displayPath, message: scrub(description) }];
}

function isUploadAnswer(value: unknown): value is UploadAnswer {
  const answer = objectOf(value);
  const record = objectOf(answer?.import);
  return (
    typeof answer?.dryRun === "boolean" &&
    typeof answer.changed === "boolean" &&
    record !== undefined &&
    typeof record.api === "string" &&
    typeof record.source === "string" &&
    objectOf(record.file) !== undefined &&
    (record.revision === null || typeof record.revision === "number") &&
    Array.isArray(record.log)
  );
}

/** The PUT's answer, or the error its status means. */
function uploadOutcome(
  answer: RemoteAnswer,
  context: { target: UploadTarget; spec: SpecToUpload; clientId: string; audience: string },
  scrub: (text: string) => string,
): UploadAnswer {
  const { target, spec } = context;
  const body = objectOf(answer.json);
  const refused = `the server refused the upload of ${spec.displayPath} to Api "${target.api}"`;
  const why = errorText(answer, scrub);
  switch (answer.status) {
    case 200:
      if (isUploadAnswer(answer.json)) return answer.json;
      throw new ScopectlError(
        "remote.unexpected",
        "the upload was answered 200 with a body that is not an import answer",
      );
    case 400:
    case 413:
    case 415:
      throw new ScopectlError("management.invalid-request", `${refused} (${why})`);
    case 401:
      throw new ScopectlError(
        "remote.unauthorized",
        `${refused} (${why}): the token of client "${context.clientId}" was for audience ${context.audience}; if the server's Settings.managementAudience is another, give it with --audience or SCOPECTL_AUDIENCE`,
      );
    case 403: {
      const missing = missingScopes(answer);
      const lacks = missing
        ? `client "${context.clientId}" lacks the management permission${missing.length === 1 ? "" : "s"} ${missing.join(", ")}`
        : `client "${context.clientId}" lacks a management permission (${why})`;
      throw new ScopectlError(
        "management.insufficient-scope",
        `${refused}: ${lacks} at ${context.audience} (${UPLOAD_NEEDS}); enable ${missing?.length === 1 ? "it" : "them"} for its Application in the config repository`,
      );
    }
    case 404:
      throw new ScopectlError("management.not-found", `${refused} (${why})`);
    case 409:
      throw new ManagementConflictError(`${refused} (${why})`, holdersOf(body));
    case 422:
      throw new InputError(localDiagnostics(body, spec, scrub));
    case 502:
    case 503:
    case 504:
      throw unavailable("the upload", answer, scrub);
    default:
      throw new ScopectlError(
        "remote.unexpected",
        `${refused} with an answer scopectl does not know (${why})`,
      );
  }
}

/** Discovery, token, upload. Resolves with the server's answer and the audience the token was for. */
export async function uploadSpec(
  target: UploadTarget,
  credentials: ClientCredentials,
  spec: SpecToUpload,
): Promise<{ answer: UploadAnswer; audience: string }> {
  const discovery = await discover(target);
  const audience = target.audience ?? defaultManagementAudience(discovery.issuer);
  const scrub = scrubber([credentials.clientSecret]);
  const token = await accessToken(target, discovery, audience, credentials, scrub);
  const scrubBoth = scrubber([credentials.clientSecret, token]);
  const url = under(target.server, `v1/apis/${encodeURIComponent(target.api)}/openapi`);
  if (target.dryRun) url.searchParams.set("dryRun", "true");
  const answer = await exchange({
    method: "PUT",
    url,
    what: target.dryRun ? "the dry run" : "the upload",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": spec.format === "json" ? "application/json" : "application/yaml",
    },
    body: spec.bytes,
    timeoutMs: target.timeoutMs,
    ...(target.dryRun
      ? {}
      : { afterTimeout: "it may have been applied; uploading the same file again changes nothing" }),
  });
  const context = { target, spec, clientId: credentials.clientId, audience };
  return { answer: uploadOutcome(answer, context, scrubBoth), audience };
}
