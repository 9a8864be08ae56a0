/**
 * What an OpenApiSource change leaves in the import history, decided once for every writer (the
 * engine's apply, Pulumi's provider, the management API's uploads):
 *   - a file source created: `upload`; its file's content changed, or an upload source now reading a
 *     file: `replace`; removed: `delete`, naming the file that was active;
 *   - an upload source declared, or a file source switched to uploads: nothing yet (no file was read;
 *     the first upload records itself);
 *   - an upload source removed, when an upload was active: `delete`, naming the uploaded file.
 */
import { isUploadSource, type OpenApiSourceProps } from "../model/resources.ts";
import type { ImportLogItem, StoreTransaction } from "./resources.ts";

export async function recordSourceImport(
  tx: StoreTransaction,
  source: string,
  before: OpenApiSourceProps | undefined,
  after: OpenApiSourceProps | undefined,
  log: ImportLogItem[],
): Promise<void> {
  if (after && !isUploadSource(after)) {
    if (before && !isUploadSource(before) && before.file.sha256 === after.file.sha256) return;
    await tx.addImport({
      source,
      api: after.api,
      action: before ? "replace" : "upload",
      file: after.file,
      log,
    });
    return;
  }
  if (after || !before) return;
  if (!isUploadSource(before)) {
    await tx.addImport({ source, api: before.api, action: "delete", file: before.file, log });
    return;
  }
  const [latest] = await tx.imports(source);
  if (latest && latest.action !== "delete") {
    await tx.addImport({ source, api: before.api, action: "delete", file: latest.file, log });
  }
}
