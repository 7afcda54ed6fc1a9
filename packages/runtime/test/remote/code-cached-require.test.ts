/**
 * The code-cached loading of one-file CommonJS bundles (the ioredis bundle of the first Redis
 * connection): the cache the build writes is accepted by this Node, a bundle loaded from it works
 * like `require`'s, and a cache V8 refuses or a missing one only costs the compile.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Script } from "node:vm";
import { afterAll, describe, expect, it } from "vitest";
import { codeCacheOf, codeCachePath, requireWithCodeCache } from "../../dist/store/code-cached-require.js";

const IOREDIS_BUNDLE = new URL("../../dist/store/ioredis.bundle.cjs", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "tl-code-cache-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A small bundle that requires a built-in module and keeps state per evaluation. */
function writeBundle(name: string): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    'const { basename } = require("node:path");\nlet calls = 0;\nmodule.exports = { name: basename(__filename), dir: __dirname, count: () => ++calls };\n',
  );
  return file;
}

function wrapped(file: string): string {
  return `(function (exports, require, module, __filename, __dirname) { ${readFileSync(file, "utf8")}\n});`;
}

describe("requireWithCodeCache", () => {
  it("the build wrote the ioredis bundle's cache, and this Node accepts it", () => {
    const cache = codeCachePath(IOREDIS_BUNDLE);
    expect(existsSync(cache), `${cache} is missing: npm run build writes it`).toBe(true);
    const script = new Script(wrapped(IOREDIS_BUNDLE), { filename: IOREDIS_BUNDLE, cachedData: readFileSync(cache) });
    expect(script.cachedDataRejected).toBe(false);
  });

  it("loads the ioredis bundle with the same exports as require", () => {
    const cached = requireWithCodeCache(IOREDIS_BUNDLE) as Record<string, unknown>;
    const required = createRequire(import.meta.url)(IOREDIS_BUNDLE) as Record<string, unknown>;
    expect(Object.keys(cached).sort()).toEqual(Object.keys(required).sort());
    expect(typeof (cached.Redis as { prototype: { info?: unknown } }).prototype.info).toBe("function");
  });

  it("gives the bundle its require, __filename and __dirname, from a cache it wrote", () => {
    const file = writeBundle("small.cjs");
    writeFileSync(
      codeCachePath(file),
      codeCacheOf(file, (e) => (e as { count: () => number }).count()),
    );
    const loaded = requireWithCodeCache(file) as { name: string; dir: string; count: () => number };
    expect(loaded.name).toBe("small.cjs");
    expect(loaded.dir).toBe(dir);
    // A fresh evaluation: the exercise of codeCacheOf did not count here.
    expect(loaded.count()).toBe(1);
  });

  it("compiles as usual without a cache or with one V8 refuses", () => {
    const bare = writeBundle("bare.cjs");
    expect((requireWithCodeCache(bare) as { name: string }).name).toBe("bare.cjs");
    const refused = writeBundle("refused.cjs");
    writeFileSync(codeCachePath(refused), Buffer.from("not a V8 code cache"));
    expect((requireWithCodeCache(refused) as { name: string }).name).toBe("refused.cjs");
    // The cache of another source is refused too (V8 checks the source's hash).
    const other = join(dir, "other.cjs");
    writeFileSync(other, `${readFileSync(bare, "utf8")}module.exports.extra = 1;\n`);
    writeFileSync(codeCachePath(other), codeCacheOf(bare));
    expect((requireWithCodeCache(other) as { extra: number }).extra).toBe(1);
  });
});
