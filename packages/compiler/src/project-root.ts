import { existsSync } from "node:fs";
import path from "node:path";

/**
 * Finds the project root of a source file: the nearest directory at or above the file's
 * directory that holds a package.json; the file's own directory when there is none.
 * Results are cached in `cache` (directory → root) when given.
 */
export function findProjectRoot(file: string, cache?: Map<string, string>): string {
  const start = path.dirname(path.resolve(file));
  const cached = cache?.get(start);
  if (cached !== undefined) return cached;
  let dir = start;
  let root = start;
  for (;;) {
    if (existsSync(path.join(dir, "package.json"))) {
      root = dir;
      break;
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  cache?.set(start, root);
  return root;
}
