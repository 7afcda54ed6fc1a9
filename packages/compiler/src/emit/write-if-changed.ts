import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * Writes `data` to `file` unless the file already holds exactly these bytes, so that
 * regenerating an unchanged module leaves its timestamp alone (watchers and editors care).
 * Creates missing parent directories.
 *
 * @returns `true` when the file was written, `false` when it was already up to date.
 */
export async function writeIfChanged(file: string, data: string | Uint8Array): Promise<boolean> {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (await hasContent(file, bytes)) return false;
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, bytes);
  return true;
}

/** Whether `file` exists and holds exactly `bytes`. */
export async function hasContent(file: string, bytes: Uint8Array): Promise<boolean> {
  try {
    return Buffer.from(bytes).equals(await readFile(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Removes the bundles `<stem>.<16 hex>.mjs` in `dir` other than `keep` (bundles of an older
 * version of the same module). Bundles of other stems are left alone.
 *
 * @returns the names of the removed files.
 */
export async function removeStaleBundles(dir: string, stem: string, keep: string): Promise<string[]> {
  const pattern = new RegExp(`^${escapeRegExp(stem)}\\.[0-9a-f]{16}\\.mjs$`);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const stale = names.filter((n) => n !== keep && pattern.test(n)).sort();
  await Promise.all(stale.map((n) => rm(path.join(dir, n), { force: true })));
  return stale;
}
