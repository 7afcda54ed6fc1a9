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
 * - `dist/client/remote/remote.bundle.mjs`: the remote client that a handle loads on its first
 *   `run(input, { redis })` (src/client/workflow-handle.ts), in one file with only the ~40 modules
 *   that the handle has not loaded already; those it imports from their own files, so that they
 *   stay one module each (one error class, one executor registry). Measured: ~24 instead of ~49 ms
 *   to load in a fresh process that imported a handle.
 * The runtime falls back to the unbundled modules when a bundle is missing.
 */
import { build, buildSync } from "esbuild";
import { writeFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
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

// Packages stay imports; so do the modules that use `import.meta.url` to find a file beside them.
const packages = ["ioredis", "piscina", "superjson", "better-sqlite3", "reflect-metadata", "@taskloom/sdk", "@taskloom/sdk/*"];
const locatesFiles = [`${dist}store/redis-connection.js`, `${dist}store/code-cached-require.js`];
/** The absolute paths of the runtime's modules that `entry` loads. */
function moduleGraph(entry) {
  const { metafile } = buildSync({ entryPoints: [entry], bundle: true, platform: "node", format: "esm", metafile: true, write: false, external: packages, logLevel: "error" });
  return new Set(Object.keys(metafile.inputs).map((p) => resolve(p)));
}
const loadedByHandle = new Set([...moduleGraph(`${dist}handle.js`), ...locatesFiles]);
const remoteBundle = `${dist}client/remote/remote.bundle.mjs`;
/** Imports of a module the handle loads stay imports, of its own file (relative to the bundle). */
const importLoadedModules = {
  name: "import-loaded-modules",
  setup(b) {
    b.onResolve({ filter: /^\./ }, (args) => {
      const path = resolve(args.resolveDir, args.path);
      if (!loadedByHandle.has(path)) return undefined;
      const from = relative(dirname(remoteBundle), path);
      return { path: from.startsWith(".") ? from : `./${from}`, external: true };
    });
  },
};
await build({
  ...common,
  entryPoints: [`${dist}client/remote/index.js`],
  outfile: remoteBundle,
  format: "esm",
  external: packages,
  plugins: [importLoadedModules],
});

// After the module ran and a client was built: V8 has then compiled what a first connection starts with.
const { codeCacheOf, codeCachePath } = await import(`${dist}store/code-cached-require.js`);
const ioredisBundle = `${dist}store/ioredis.bundle.cjs`;
const exerciseClient = ({ Redis }) => new Redis({ lazyConnect: true }).disconnect();
writeFileSync(codeCachePath(ioredisBundle), codeCacheOf(ioredisBundle, exerciseClient));
