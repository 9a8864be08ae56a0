/**
 * `kind: OpenApiSource`: an OpenAPI spec whose operations generate the scopes of one Api, read from a
 * file of the folder or uploaded over HTTP (exactly one of the two: checked by the resolver, which names
 * the field, rather than by a schema union whose errors would name neither).
 */
import { type Static, Type } from "@sinclair/typebox";
import { manifestDocument, ResourceName } from "./common.ts";

export const OpenApiSourceSpecSchema = Type.Object(
  {
    api: ResourceName(
      "The Api (metadata.name) whose scopes this spec generates. At most one OpenApiSource per Api.",
    ),
    file: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "The OpenAPI 3.x or Swagger 2.0 file (.json, .yaml or .yml), relative to this manifest's folder. It must stay inside the manifest folder: no absolute path, no escape with '..'. Exactly one of file and upload.",
      }),
    ),
    upload: Type.Optional(
      Type.Literal(true, {
        description:
          "The spec comes by upload over HTTP (PUT /v1/apis/{api}/openapi, `scopectl openapi upload`), e.g. from the API's own CI; the scopes it generates are managed by the uploading client. Exactly one of file and upload.",
      }),
    ),
  },
  { additionalProperties: false, description: "An OpenApiSource." },
);

export const OpenApiSourceManifestSchema = manifestDocument(
  "OpenApiSource",
  OpenApiSourceSpecSchema,
  "An OpenAPI spec that generates one scope per operation ({method}:{normalized_path}) for an Api.",
);
export type OpenApiSourceManifest = Static<typeof OpenApiSourceManifestSchema>;
