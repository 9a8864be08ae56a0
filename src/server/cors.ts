/**
 * CORS for browsers. A spa is a public client whose code runs on its own origin: it reads discovery and
 * the JWKS, exchanges its code and refreshes at the token endpoint, and calls userinfo, all cross-origin.
 * The public documents allow any origin; the token and userinfo endpoints allow the origins of the
 * registered spa redirect URIs only (taken from the snapshot, so an apply changes them), and never
 * credentials: these requests carry no cookies.
 */
import cors from "cors";
import type { ServerContext } from "./context.ts";
import type { Snapshot } from "./snapshot.ts";

const spaOrigins = new WeakMap<Snapshot, ReadonlySet<string>>();

/** The origins of every enabled spa's redirect URIs, computed once per snapshot. */
function originsOf(snapshot: Snapshot): ReadonlySet<string> {
  let origins = spaOrigins.get(snapshot);
  if (!origins) {
    const found = new Set<string>();
    for (const client of snapshot.clients.values()) {
      if (client.type !== "spa" || client.disabled) continue;
      for (const uri of client.redirectUris) {
        // A stored URI that does not parse (from before the URI rules) is no origin: skip it, not 500.
        if (!URL.canParse(uri)) continue;
        const { protocol, origin } = new URL(uri);
        if (protocol === "http:" || protocol === "https:") found.add(origin);
      }
    }
    origins = found;
    spaOrigins.set(snapshot, origins);
  }
  return origins;
}

/** Discovery and the JWKS: public, readable from anywhere. */
export const publicCors = cors({ origin: "*", methods: ["GET"], maxAge: 600 });

/** The token and userinfo endpoints: the spa origins of the current snapshot. */
export function spaCors(ctx: ServerContext) {
  return cors({
    origin: (origin, callback) => {
      const snapshot = ctx.snapshot();
      callback(null, origin !== undefined && snapshot !== undefined && originsOf(snapshot).has(origin));
    },
    methods: ["GET", "POST"],
    allowedHeaders: ["Authorization", "Content-Type"],
    maxAge: 600,
  });
}
