/**
 * The example web app (examples/web-app) against a real user tenant: scopectl serves alice, bob and carol
 * at its own issuer URL, with an extra regular Application whose redirect URI is the app's callback on a
 * loopback port chosen beforehand.
 */
import { createServer, type Server } from "node:http";
import type { TestContext } from "node:test";
import { createWebApp } from "../../examples/web-app/app.mjs";
import { freePort } from "../support/net.ts";
import { CATALOG, ORDERS, serveUserTenant, type UserTenant, userTenantFiles } from "../support/sign-in.ts";
import { API_HEADER } from "../support/token-server.ts";

export const CLIENT_ID = "web-example";

export function webExampleFiles(redirectUri: string) {
  return (issuer: string): Record<string, string> => ({
    ...userTenantFiles(issuer),
    "web-example.yaml": `${API_HEADER("Application", CLIENT_ID)}spec:
  type: regular
  clientId: ${CLIENT_ID}
  redirectUris: ["${redirectUri}"]
  apis:
    orders: { scopes: all }
    catalog: { scopes: all }
  tokens: { includeApiScopesInPermissions: true }
`,
  });
}

export interface ServedWebApp {
  tenant: UserTenant;
  /** The app's origin, `http://127.0.0.1:<port>`. */
  url: string;
  server: Server;
}

/** The tenant and the example app, both on loopback, closed after the test. */
export async function serveWebApp(t: TestContext, env: Record<string, string> = {}): Promise<ServedWebApp> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const tenant = await serveUserTenant(t, {}, webExampleFiles(`${url}/callback`));
  const secret = tenant.tenant.secrets.get("web-example");
  if (!secret) throw new Error("no client secret for web-example");
  const app = await createWebApp({
    SCOPECTL_ISSUER_URL: tenant.issuer,
    SCOPECTL_CLIENT_ID: CLIENT_ID,
    SCOPECTL_CLIENT_SECRET: secret,
    SCOPECTL_REDIRECT_URI: `${url}/callback`,
    SCOPECTL_AUDIENCE: `${ORDERS} ${CATALOG}`,
    ...env,
  });
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { tenant, url, server };
}
