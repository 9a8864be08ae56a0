/**
 * Security headers (helmet), one configured middleware for both the Express routes and the token
 * endpoint's fast path. An API, not pages: a CSP that lets nothing load or frame a response, no
 * HSTS (TLS ends elsewhere in most deployments; the proxy that terminates it sets HSTS), and none of
 * the headers that only matter to documents.
 */
import helmet from "helmet";

export const securityHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  },
  strictTransportSecurity: false,
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
  xFrameOptions: { action: "deny" },
});
