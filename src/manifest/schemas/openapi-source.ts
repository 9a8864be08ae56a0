/** `kind: OpenApiSource`: an OpenAPI spec whose operations generate the scopes of one Api. */
import { type Static, Type } from "@sinclair/typebox";
import { manifestDocument, ResourceName } from "./common.ts";

export const OpenApiSourceSpecSchema = Type.Object(
  {
    api: ResourceName(
      "The Api (metadata.name) whose scopes this spec generates. At most one OpenApiSource per Api.",
    ),
    file: Type.String({
      minLength: 1,
      description:
        "The OpenAPI 3.x or Swagger 2.0 file (.json, .yaml or .yml), relative to this manifest's folder. It must stay inside the manifest folder: no absolute path, no escape with '..'.",
    }),
  },
  { additionalProperties: false, description: "An OpenApiSource." },
);

export const OpenApiSourceManifestSchema = manifestDocument(
  "OpenApiSource",
  OpenApiSourceSpecSchema,
  "An OpenAPI spec that generates one scope per operation ({method}:{normalized_path}) for an Api.",
);
export type OpenApiSourceManifest = Static<typeof OpenApiSourceManifestSchema>;
