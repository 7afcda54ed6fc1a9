import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file is packages/compiler/test/emit/temp-project.ts). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");

/** A throwaway project under os.tmpdir() whose node_modules link to the repo's real packages. */
export interface TempProject {
  dir: string;
  /** Writes `files` (relative path → text) into the project; returns their absolute paths. */
  write(files: Record<string, string>): Promise<string[]>;
  remove(): Promise<void>;
}

/**
 * Creates a temp project with a package.json and node_modules links to `@taskloom/*` and the
 * given npm packages of the repo, so that esbuild and tsc resolve them as in a user's project.
 */
export async function createTempProject(links: string[] = []): Promise<TempProject> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "taskloom-emit-"));
  await writeFile(path.join(dir, "package.json"), JSON.stringify({ name: "tmp-project", type: "module", private: true }));
  await mkdir(path.join(dir, "node_modules/@taskloom"), { recursive: true });
  for (const pkg of ["sdk", "runtime", "compiler"]) {
    await symlink(path.join(REPO_ROOT, "packages", pkg), path.join(dir, "node_modules/@taskloom", pkg), "dir");
  }
  for (const name of links) await symlink(path.join(REPO_ROOT, "node_modules", name), path.join(dir, "node_modules", name), "dir");
  return {
    dir,
    async write(files) {
      const written: string[] = [];
      for (const [rel, text] of Object.entries(files)) {
        const file = path.join(dir, rel);
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, text);
        written.push(file);
      }
      return written;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
