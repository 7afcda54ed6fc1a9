/**
 * Bundles, after `tsc -b`, the two module graphs that a fresh process or thread loads before its
 * first task, each into one file (loading one file costs a fraction of loading its ~25–60 modules):
 * - `dist/threads/worker-entry.bundle.mjs`: the worker-thread entry and what it imports
 *   (`@taskloom/sdk` and `reflect-metadata` included). Every new thread loads it: measured ~65 ms
 *   less CPU per thread, most of a program's first local run and of a `dag-worker`'s cold start.
 * - `dist/store/ioredis.bundle.cjs`: ioredis and its dependencies, loaded on the first Redis
 *   connection (measured: ~50 instead of ~80 ms CPU), most of a first remote run's start; and
 *   its V8 code cache, `ioredis.bundle.cjs.v8cache` (src/store/code-cached-require.ts): the
 *   first connection then compiles less (measured ~23 instead of ~31 ms to load the bundle).
 * The runtime falls back to the unbundled modules when a bundle is missing.
 */
import { buildSync } from "esbuild";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const dist = fileURLToPath(new URL("../dist/", import.meta.url));
const common = { bundle: true, platform: "node", target: "node20", keepNames: true, logLevel: "error" };
// Error classes are named by their constructors (`err.name`): `keepNames` keeps every name as written.
buildSync({ ...common, entryPoints: [`${dist}threads/worker-entry.js`], outfile: `${dist}threads/worker-entry.bundle.mjs`, format: "esm" });
buildSync({
  ...common,
  stdin: { contents: 'module.exports = require("ioredis");', resolveDir: dist },
  outfile: `${dist}store/ioredis.bundle.cjs`,
  format: "cjs",
});
// After the module ran and a client was built: V8 has then compiled what a first connection starts with.
const { codeCacheOf, codeCachePath } = await import(`${dist}store/code-cached-require.js`);
const ioredisBundle = `${dist}store/ioredis.bundle.cjs`;
const exerciseClient = ({ Redis }) => new Redis({ lazyConnect: true }).disconnect();
writeFileSync(codeCachePath(ioredisBundle), codeCacheOf(ioredisBundle, exerciseClient));
