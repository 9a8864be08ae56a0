/**
 * `scopectl openapi preview FILE`: the scopes an OpenAPI spec would generate, and the import log. When an
 * OpenApiSource of the manifest folder (`config`, or `--root`) reads FILE, the preview is that import:
 * its Api's manual scopes are duplicates, and the spec is confined to that source's folder.
 *
 * `scopectl openapi upload FILE --api NAME --server URL`: the spec sent to the server, for an Api that
 * takes uploads (its work: ../openapi-upload.ts and ../upload-client.ts).
 *
 * `scopectl openapi annotate FILE --api NAME`: a copy of the spec whose operations require their
 * generated scopes in `security`, for other validators (its work: ../openapi-annotate.ts).
 */
import type { Command } from "commander";
import { withJsonErrors } from "../json-errors.ts";
import type { AnnotateOptions } from "../openapi-annotate.ts";
import type { RouteOptions } from "../openapi-route.ts";
import type { UploadOptions } from "../openapi-upload.ts";
import { AUDIENCE_ENV, CLIENT_ID_ENV, CLIENT_SECRET_ENV, DEFAULT_MANIFEST_FOLDER } from "../options.ts";

/** How long `openapi upload` waits for each answer of the server, by default. */
const DEFAULT_TIMEOUT_SECONDS = 120;

export interface PreviewOptions {
  root?: string;
  json?: boolean;
}

export function registerOpenApiCommand(program: Command): void {
  const openapi = program.command("openapi").description("work with OpenAPI specs that generate scopes");
  openapi
    .command("preview")
    .description("show the scopes a spec would generate (one per operation) and the import log")
    .argument("<file>", "OpenAPI 3.x or Swagger 2.0 file (.json, .yaml, .yml)")
    .option(
      "--root <dir>",
      `the manifest folder (default: ${DEFAULT_MANIFEST_FOLDER}, when it exists): when an OpenApiSource there reads the file, preview that import, with its Api's manual scopes; otherwise the folder the spec and its $refs must stay inside (default: the spec's folder)`,
    )
    .option(
      "--json",
      'print {"source":{...}|null,"scopes":[...],"log":[...]} as JSON; errors too, as {"error": ...}',
    )
    .action((file: string, options: PreviewOptions) =>
      withJsonErrors(options.json, async () =>
        (await import("../actions/openapi-preview.ts")).preview(file, options),
      ),
    );
  registerUploadCommand(openapi);
  registerAnnotateCommand(openapi);
  registerRouteCommand(openapi);
}

/** `openapi upload`: for an API repository's CI (docs/management-api.md#uploading-a-spec). */
function registerUploadCommand(openapi: Command): void {
  openapi
    .command("upload")
    .description(
      "upload a spec to the server, for an Api whose OpenApiSource says upload: true (from the API's own CI)",
    )
    .argument("<file>", "OpenAPI 3.x or Swagger 2.0 file (.json, .yaml, .yml), at most 20 MB, one document")
    .requiredOption("--api <name>", "the Api to upload to, by name (its OpenApiSource must say upload: true)")
    .requiredOption(
      "--server <url>",
      "the token service's base URL, e.g. https://auth.example.com (https; http only on a loopback host)",
    )
    .option(
      "--dry-run",
      "show the import log the upload would make, write nothing; exit 2 when it would change something",
    )
    .addOption(
      openapi
        .createOption(
          "--audience <url>",
          "the management audience to ask a token for (default: {issuer}/v1, the issuer from the server's discovery document)",
        )
        .env(AUDIENCE_ENV),
    )
    .option(
      "--timeout <seconds>",
      "how long to wait for each answer of the server",
      String(DEFAULT_TIMEOUT_SECONDS),
    )
    .option("--json", 'print the server\'s answer as JSON; errors too, as {"error": ..., "code": ...}')
    .addHelpText(
      "after",
      `
Credentials (never flags: argv shows in ps and in CI logs):
  ${CLIENT_ID_ENV}      client id of an m2m Application authorized for the management Api
  ${CLIENT_SECRET_ENV}  its client secret (from the CI's secret store)
The client needs create:api_scopes and update:apis for a first upload, and delete:api_scopes too to
replace an import. The token is asked for no scope: the server grants every permission the client has.

Exit codes: 0 applied, or no changes (the file is the active one); 2 --dry-run and the upload would change
something; 1 any error (the server's refusal: a missing permission, a scope still granted, a bad spec).

Examples:
  scopectl openapi upload build/openapi.yaml --api orders --server https://auth.example.com --dry-run
  scopectl openapi upload build/openapi.yaml --api orders --server https://auth.example.com`,
    )
    .action((file: string, options: UploadOptions) =>
      withJsonErrors(options.json, async () =>
        (await import("../openapi-upload.ts")).runUpload(file, options),
      ),
    );
}

/** `openapi annotate`: the spec with the generated scopes as `security`, for other validators (../openapi-annotate.ts). */
function registerAnnotateCommand(openapi: Command): void {
  openapi
    .command("annotate")
    .description(
      "write a copy of a spec whose operations each require their generated scope (an OAuth 2.0 security scheme with the server's endpoints), for validators and gateways that read security",
    )
    .argument("<file>", "OpenAPI 3.x or Swagger 2.0 file (.json, .yaml, .yml)")
    .requiredOption("--api <name>", "the Api whose scopes these are, by name: the scheme is scopectl_<name>")
    .option(
      "--server <url>",
      `the token service's base URL (its issuer), e.g. https://auth.example.com; https, or http on a loopback host (default: the issuer of the manifest folder's Settings, else http://localhost:8080)`,
    )
    .option(
      "--out <file>",
      "write the copy here (.json or .yaml/.yml: the format to write), whole or not at all (default: stdout, in the spec's format)",
    )
    .option(
      "--root <dir>",
      `the manifest folder (default: ${DEFAULT_MANIFEST_FOLDER}, when it exists), as for preview: the spec is loaded as its OpenApiSource's import loads it, and its Settings give --server's default; otherwise the folder the spec and its $refs must stay inside (default: the spec's folder)`,
    )
    .addHelpText(
      "after",
      `
Every operation gets security naming its scope, {method}:{normalized_path} as the import names it
(GET /users/{userId} -> get:users_userid), under one OAuth 2.0 scheme with clientCredentials and
authorizationCode flows (Swagger 2.0: two schemes, application and accessCode, as alternatives). An
operation's own security is replaced, with a note on stderr; the rest of the document is kept (YAML
comments and order too). A path item that is a $ref is written inline; a spec with $refs to other files
is written as one bundled document. The copy is for enforcement (express-openapi-validator's
validateSecurity, a gateway): scopectl itself imports the original.

Examples:
  scopectl openapi annotate config/specs/catalog.openapi.yaml --api catalog > catalog.annotated.yaml
  scopectl openapi annotate build/openapi.json --api orders --server https://auth.example.com --out build/openapi.secured.json`,
    )
    .action(async (file: string, options: AnnotateOptions) =>
      (await import("../openapi-annotate.ts")).runAnnotate(file, options),
    );
}

/** `openapi route`: which operation a request is, and its scope (../openapi-route.ts). */
function registerRouteCommand(openapi: Command): void {
  openapi
    .command("route")
    .description(
      "show which operation of a spec a request is, and the scope it needs (as the middleware decides)",
    )
    .argument("<file>", "OpenAPI 3.x or Swagger 2.0 file (.json, .yaml, .yml)")
    .argument("<method>", "the request's HTTP method: GET, POST, ...")
    .argument("<path>", "the request's path as sent (percent-encoded), or a whole URL")
    .option("--root <dir>", "the folder the spec and its $refs must stay inside (default: the spec's folder)")
    .option(
      "--base-path <path...>",
      "where the spec's paths start on the wire, instead of its servers / basePath (e.g. / for an API mounted at the root)",
    )
    .option(
      "--json",
      'print {"operation","scope","basePath","params",...} as JSON; errors too, as {"error": ...}',
    )
    .addHelpText(
      "after",
      `
Matching: a concrete template wins over a templated one (/users/me over /users/{id}); when the most
concrete template lacks the method, less concrete ones are tried; HEAD needs GET's scope only when no HEAD
operation matches. Exit code 1 when no operation matches.

Examples:
  scopectl openapi route config/specs/catalog.openapi.yaml GET /catalog/products/42
  scopectl openapi route openapi.yaml DELETE https://api.example.com/v1/users/me --json`,
    )
    .action((file: string, method: string, target: string, options: RouteOptions) =>
      withJsonErrors(options.json, async () =>
        (await import("../openapi-route.ts")).runRoute(file, method, target, options),
      ),
    );
}
