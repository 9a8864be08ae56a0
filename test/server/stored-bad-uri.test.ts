/**
 * A redirect URI that the manifest rules refuse can still be in the store (written by an older
 * version, a Pulumi program of before the rules, or by hand). The server must never answer 500 for it:
 * the authorization endpoint shows its error page, and CORS (which reads every spa redirect URI's
 * origin) keeps working for the others.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { RECONCILER } from "../../src/model/resources.ts";
import { authorizeUrl, openAuthorize, SPA_REDIRECT, serveUserTenant } from "../support/sign-in.ts";
import { SUITE_TIMEOUT_MS } from "../support/timeouts.ts";

/** WHATWG URL cannot parse it (no port 99999): `new URL()` throws. */
const BAD = "http://127.0.0.1:99999/callback";

describe("a stored redirect URI that does not parse", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("authorize shows the error page (with and without an error to redirect), never a 500; CORS stays up", async (t) => {
    const user = await serveUserTenant(t);
    const { tenant, issuer } = user;
    const { revision } = await tenant.store.transaction(
      async (tx) => {
        const spa = await tx.get("Application", "spa");
        assert.ok(spa, "the spa application is stored");
        const props = spa.props as { redirectUris: string[] };
        await tx.put(
          "Application",
          "spa",
          { ...props, redirectUris: [SPA_REDIRECT, BAD] },
          {
            actor: "test",
            managedBy: RECONCILER,
          },
        );
      },
      { ctx: { actor: "test", managedBy: RECONCILER } },
    );
    await tenant.served(revision);

    const variants: Record<string, string>[] = [{}, { response_type: "token" }];
    for (const extra of variants) {
      const { url } = authorizeUrl(issuer, { clientId: "spa", redirectUri: BAD, extra });
      const page = await openAuthorize(url);
      assert.equal(page.status, 400, page.html.slice(0, 300));
      assert.equal(page.location, undefined, "nothing is sent to a URI that does not parse");
      assert.match(page.html, /This sign-in request cannot be completed/);
      assert.match(page.html, /not a valid redirect URI/);
    }
    // The good redirect URI of the same application still shows the login page.
    const good = await openAuthorize(
      authorizeUrl(issuer, { clientId: "spa", redirectUri: SPA_REDIRECT }).url,
    );
    assert.equal(good.status, 200, good.html.slice(0, 300));

    const preflight = await fetch(`${issuer}/oauth2/token`, {
      method: "OPTIONS",
      headers: { origin: "https://spa.example", "access-control-request-method": "POST" },
    });
    assert.equal(preflight.status < 500, true, `CORS preflight: ${preflight.status}`);
    assert.equal(preflight.headers.get("access-control-allow-origin"), "https://spa.example");
  });
});
