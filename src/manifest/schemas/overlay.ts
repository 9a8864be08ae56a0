/**
 * `kind: Overlay`: this folder is its bases plus the documents beside it, as Kustomize users expect. The
 * overlay stage (src/manifest/overlay.ts) consumes it before validation of the other kinds.
 */
import { type Static, Type } from "@sinclair/typebox";
import { manifestDocument } from "./common.ts";

export const OverlaySpecSchema = Type.Object(
  {
    bases: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      description:
        "Folders of manifests this folder builds on, relative to this file, loaded in order. A base may be an overlay itself; cycles are refused.",
    }),
    remove: Type.Optional(
      Type.Array(
        Type.Object(
          {
            kind: Type.String({ minLength: 1, description: "The kind of the base document to drop." }),
            name: Type.String({ minLength: 1, description: "Its metadata.name." }),
          },
          { additionalProperties: false },
        ),
        { description: "Documents of the bases that this folder does not have." },
      ),
    ),
  },
  {
    additionalProperties: false,
    description:
      "A document beside the Overlay with the kind and name of a base document is a JSON Merge Patch (RFC 7396) onto it; any other document is added.",
  },
);

export const OverlayManifestSchema = manifestDocument(
  "Overlay",
  OverlaySpecSchema,
  "Builds this folder's tenant from base folders plus the documents beside this one (at most one per folder).",
);
export type OverlayManifest = Static<typeof OverlayManifestSchema>;
