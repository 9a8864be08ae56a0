/**
 * A tenant for the management API's writes: the management Api with every permission, an `orders` Api
 * whose OpenApiSource takes uploads, an m2m client per permission set (`clientName`), users whose roles
 * carry permissions (alice: replace, bob: upload, carol: none), and small HTTP helpers.
 */
import assert from "node:assert/strict";
import type { UserTenant } from "./sign-in.ts";
import { API_HEADER, basic, postForm, type ServedTenant } from "./token-server.ts";

export const ORDERS = "https://orders.example";

export const P = {
  read: "read:apis",
  create: "create:api_scopes",
  update: "update:apis",
  remove: "delete:api_scopes",
  edit: "update:api_scopes",
} as const;

export const SPEC_V1 = `openapi: 3.0.3
info: { title: Orders, version: "1" }
paths:
  /orders:
    get: { summary: List orders, responses: { "200": { description: ok } } }
    post: { operationId: createOrder, responses: { "201": { description: ok } } }
  /orders/{orderId}:
    get: { responses: { "200": { description: ok } } }
  /health:
    get: { summary: Health, responses: { "200": { description: ok } } }
`;

// Drops POST /orders, adds DELETE /orders/{orderId}.
export const SPEC_V2 = `openapi: 3.0.3
info: { title: Orders, version: "2" }
paths:
  /orders:
    get: { summary: List orders, responses: { "200": { description: ok } } }
  /orders/{orderId}:
    get: { responses: { "200": { description: ok } } }
    delete: { summary: Cancel an order, responses: { "204": { description: ok } } }
  /health:
    get: { summary: Health, responses: { "200": { description: ok } } }
`;

/** An m2m client per permission set, named after its letters: `m-cu` (create, update:apis), `m-none`. */
const LETTER: Record<string, string> = {
  [P.read]: "r",
  [P.create]: "c",
  [P.update]: "u",
  [P.remove]: "d",
  [P.edit]: "e",
};
export const clientName = (perms: readonly string[]) =>
  perms.length === 0 ? "m-none" : `m-${perms.map((p) => LETTER[p]).join("")}`;

export const SETS: string[][] = [
  [],
  [P.read],
  [P.create],
  [P.update],
  [P.remove],
  [P.edit],
  [P.create, P.update],
  [P.create, P.remove],
  [P.update, P.remove],
  [P.create, P.update, P.remove],
  [P.create, P.update, P.remove, P.edit],
];

/**
 * `spec`: the OpenApiSource reads this spec from `orders.openapi.yaml` (git) instead of taking uploads;
 * null: no OpenApiSource. `grantGenerated`: the role `clerk` grants `post:orders`, which only the spec
 * generates.
 */
export function managementFiles(extra: { grantGenerated?: boolean; spec?: string | null } = {}) {
  return (issuer: string): Record<string, string> => {
    const management = `${issuer}/v1`;
    const m2m = SETS.map(
      (perms) =>
        `${API_HEADER("Application", clientName(perms))}spec:\n  type: m2m\n  apis:\n    orders: { scopes: all }\n    management: { scopes: [${perms.map((p) => `"${p}"`).join(", ")}] }\n`,
    );
    return {
      ...(extra.spec ? { "orders.openapi.yaml": extra.spec } : {}),
      "settings.yaml": `${API_HEADER("Settings", "default")}spec:\n  issuer: ${issuer}\n`,
      "apis.yaml": [
        `${API_HEADER("Api", "management")}spec:\n  audience: ${management}\n  scopes:\n${Object.values(P)
          .map((p) => `    - { name: "${p}" }\n`)
          .join("")}`,
        `${API_HEADER("Api", "orders")}spec:\n  audience: ${ORDERS}\n  scopes:\n    - { name: "get:health", description: "Health, by hand" }\n    - { name: "admin:orders" }\n`,
        ...(extra.spec === null
          ? []
          : [
              `${API_HEADER("OpenApiSource", "orders-spec")}spec:\n  api: orders\n${extra.spec === undefined ? "  upload: true" : "  file: orders.openapi.yaml"}\n`,
            ]),
      ].join("---\n"),
      "roles.yaml": [
        `${API_HEADER("Role", "replacer")}spec:\n  scopes:\n    management: ["${P.read}", "${P.create}", "${P.update}", "${P.remove}"]\n`,
        `${API_HEADER("Role", "uploader")}spec:\n  scopes:\n    management: ["${P.create}", "${P.update}"]\n`,
        // Holds a scope only an upload creates (checked against the store by plan and apply).
        ...(extra.grantGenerated
          ? [`${API_HEADER("Role", "clerk")}spec:\n  scopes:\n    orders: ["post:orders"]\n`]
          : []),
      ].join("---\n"),
      "users.yaml": [
        `${API_HEADER("User", "alice")}spec:\n  email: alice@example.com\n  roles: [replacer]\n`,
        `${API_HEADER("User", "bob")}spec:\n  email: bob@example.com\n  roles: [uploader]\n`,
        `${API_HEADER("User", "carol")}spec:\n  email: carol@example.com\n`,
      ].join("---\n"),
      "apps.yaml": [
        `${API_HEADER("Application", "web")}spec:\n  type: regular\n  clientId: web\n  redirectUris: ["https://web.example/callback"]\n  apis:\n    management: { scopes: all }\n    orders: { scopes: all }\n`,
        ...m2m,
      ].join("---\n"),
    };
  };
}

export async function m2mToken(
  tenant: ServedTenant,
  perms: readonly string[],
  audience: string,
): Promise<string> {
  const name = clientName(perms);
  const secret = tenant.secrets.get(name) ?? assert.fail(`no secret for ${name}`);
  const res = await postForm(
    `${tenant.url}/oauth2/token`,
    { grant_type: "client_credentials", audience },
    { authorization: basic(name, secret) },
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return String(res.body.access_token);
}

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export async function call(
  tenant: ServedTenant,
  method: string,
  route: string,
  token: string,
  body?: { type: string; data: string },
): Promise<Answer> {
  const res = await fetch(`${tenant.url}/v1${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": body.type } : {}) },
    ...(body ? { body: body.data } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

export const yaml = (data: string) => ({ type: "application/yaml", data });
export const json = (value: unknown) => ({ type: "application/json", data: JSON.stringify(value) });

export function assertForbidden(answer: Answer, missing: readonly string[]): void {
  assert.equal(answer.status, 403, JSON.stringify(answer.body));
  assert.equal(answer.body.error, "insufficient_scope");
  assert.equal(
    answer.headers.get("www-authenticate"),
    `Bearer realm="scopectl", error="insufficient_scope", error_description="${answer.body.error_description}", scope="${missing.join(" ")}"`,
  );
}

export async function served(tenant: UserTenant): Promise<{ tenant: ServedTenant; management: string }> {
  return { tenant: tenant.tenant, management: `${tenant.issuer}/v1` };
}
