/**
 * The folder-level import graph of src/, for the check that folders import only "downwards"
 * (docs/architecture.md lists the order). Imports are read with TypeScript's own pre-processor, so
 * static, type-only, re-export and dynamic `import("…")` forms all count: a type-only back-edge still
 * couples the folders.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

/** One import of one file into another folder: `from` imports `specifier`, which lies in `toFolder`. */
export interface FolderEdge {
  file: string;
  specifier: string;
  fromFolder: string;
  toFolder: string;
}

/** Every `.ts` file under `dir`, as paths relative to `root`, with `/` separators. */
export function sourceFiles(root: string, dir = root): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...sourceFiles(root, full));
    else if (entry.name.endsWith(".ts")) found.push(path.relative(root, full).split(path.sep).join("/"));
  }
  return found.sort();
}

/** The top folder of a path relative to src/ (a file directly in src/ is in folder ""). */
export function folderOf(relative: string): string {
  const slash = relative.indexOf("/");
  return slash === -1 ? "" : relative.slice(0, slash);
}

/** The relative imports of `text` that leave `file`'s folder (file: relative to src/). */
export function crossFolderEdges(file: string, text: string): FolderEdge[] {
  const edges: FolderEdge[] = [];
  for (const imported of ts.preProcessFile(text, true, true).importedFiles) {
    const specifier = imported.fileName;
    if (!specifier.startsWith(".")) continue; // packages and node: built-ins are outside the graph
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
    const fromFolder = folderOf(file);
    const toFolder = folderOf(target);
    if (toFolder !== fromFolder) edges.push({ file, specifier, fromFolder, toFolder });
  }
  return edges;
}

/** The edges that go against `order` (a folder may import only folders listed before it). */
export function backEdges(edges: FolderEdge[], order: string[]): FolderEdge[] {
  const rank = new Map(order.map((folder, index) => [folder, index]));
  return edges.filter((edge) => {
    const from = rank.get(edge.fromFolder);
    const to = rank.get(edge.toFolder);
    return from === undefined || to === undefined || to > from;
  });
}

/** Every cross-folder edge of the files under `srcRoot`. */
export function importGraph(srcRoot: string): FolderEdge[] {
  return sourceFiles(srcRoot).flatMap((file) =>
    crossFolderEdges(file, readFileSync(path.join(srcRoot, file), "utf8")),
  );
}

/**
 * The folder order as docs/architecture.md gives it: the numbered list under the heading that contains
 * "order", one folder per item written as `name/` in backticks.
 */
export function documentedOrder(markdown: string): string[] {
  const lines = markdown.split("\n");
  const start = lines.findIndex((line) => /^#+ .*order/i.test(line));
  if (start === -1) return [];
  const order: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^#+ /.test(line)) break;
    const item = /^\d+\.\s+`([a-z0-9-]+)\/`/.exec(line);
    if (item) order.push(item[1] as string);
  }
  return order;
}
