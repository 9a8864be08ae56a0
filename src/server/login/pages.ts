/**
 * The service's only HTML: the login page and the page that explains a request it cannot answer.
 * Server-rendered, no script; plain semantic markup (a labelled form, the error announced with
 * role="alert" and tied to the fields with aria-describedby) so it works with a keyboard and a screen
 * reader. Every interpolated value goes through escape-html.
 */
import { createHash } from "node:crypto";
import type { ServerResponse } from "node:http";
import escapeHtml from "escape-html";
import { LOGIN_FIELD_LIMITS } from "./login-form-token.ts";

const STYLE = `
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d1f23}
main{max-width:24rem;margin:10vh auto;padding:2rem;background:#fff;border-radius:8px;box-shadow:0 1px 4px #0002}
h1{font-size:1.4rem;margin:0 0 .25rem}
p.lead{margin:0 0 1.5rem;color:#4a4f57}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
input{box-sizing:border-box;width:100%;padding:.6rem;font:inherit;border:1px solid #8a9099;border-radius:4px}
input:focus,button:focus{outline:3px solid #2f6fde;outline-offset:1px}
button{margin-top:1.5rem;width:100%;padding:.7rem;font:inherit;font-weight:600;color:#fff;background:#2351b5;border:0;border-radius:4px;cursor:pointer}
h1+.error{margin-top:1rem}
.error{margin:0 0 1rem;padding:.75rem;border-left:4px solid #b3261e;background:#fdecea;color:#7a1712}
`;
/** The CSP allows this one stylesheet by its hash, and nothing else: no script, no other source. */
const STYLE_HASH = `'sha256-${createHash("sha256").update(STYLE).digest("base64")}'`;

function contentSecurityPolicy(formTargets: readonly string[]): string {
  return [
    "default-src 'none'",
    `style-src ${STYLE_HASH}`,
    // Browsers apply form-action to the redirect that follows the submission too.
    `form-action 'self' ${formTargets.join(" ")}`.trim(),
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");
}

function document(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

function send(res: ServerResponse, status: number, html: string, formTargets: readonly string[] = []): void {
  res.statusCode = status;
  res.setHeader("Content-Type", "text/html; charset=utf-8");
  res.setHeader("Content-Security-Policy", contentSecurityPolicy(formTargets));
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("Content-Length", Buffer.byteLength(html));
  res.end(html);
}

export interface LoginPage {
  /** The application's name, shown to the user. */
  applicationName: string;
  formToken: string;
  /** Where the browser goes after a successful sign-in (allowed by the page's form-action). */
  redirectOrigin: string;
  email?: string;
  error?: string;
}

export function sendLoginPage(res: ServerResponse, status: number, page: LoginPage): void {
  const error = page.error;
  const described = error ? ' aria-describedby="login-error" aria-invalid="true"' : "";
  const body = `<h1>Sign in</h1>
<p class="lead">to continue to <strong>${escapeHtml(page.applicationName)}</strong></p>
${error ? `<p class="error" id="login-error" role="alert">${escapeHtml(error)}</p>\n` : ""}<form method="post" action="/oauth2/login">
<input type="hidden" name="csrf_token" value="${escapeHtml(page.formToken)}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required autofocus maxlength="${LOGIN_FIELD_LIMITS.email}" value="${escapeHtml(page.email ?? "")}"${described}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="${LOGIN_FIELD_LIMITS.password}"${described}>
<button type="submit">Sign in</button>
</form>`;
  send(res, status, document("Sign in", body), [page.redirectOrigin]);
}

/** A request that cannot go back to the application: say what is wrong and what to do. */
export function sendErrorPage(res: ServerResponse, status: number, title: string, message: string): void {
  const body = `<h1>${escapeHtml(title)}</h1>
<p class="error" role="alert">${escapeHtml(message)}</p>
<p>Go back to the application and start the sign-in again. If this keeps happening, tell the application's owner.</p>`;
  send(res, status, document(title, body));
}

/**
 * What a CSP form-action source for a redirect URI is: its origin, or its scheme for a custom scheme.
 * Only for a checked request's redirect URI (authorization-request.ts's trustedRedirect), which parses.
 */
export function formActionSource(redirectUri: string): string {
  const url = new URL(redirectUri);
  return url.protocol === "http:" || url.protocol === "https:" ? url.origin : url.protocol;
}
