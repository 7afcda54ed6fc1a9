import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { checkImportLayers, importsOf } from "./import-layers.js";

const repo = fileURLToPath(new URL("../..", import.meta.url));

describe("import layers", () => {
  it("the repository has no upward import, no foreign package import and no cycle between runtime folders", () => {
    expect(checkImportLayers(repo)).toEqual([]);
  });

  const tmp = mkdtempSync(join(tmpdir(), "taskloom-layers-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const write = (path: string, text: string): void => {
    mkdirSync(join(tmp, path, ".."), { recursive: true });
    writeFileSync(join(tmp, path), text);
  };

  it("reports an upward import, a sibling import, a foreign package and a folder cycle, each with its place", () => {
    write("packages/sdk/src/index.ts", `import { compile } from "@taskloom/compiler";\n`);
    write("packages/compiler/src/index.ts", `export {};\n`);
    write("packages/runtime/src/scheduling/a.ts", `\nimport { x } from "../client/b.js";\n`);
    write("packages/runtime/src/client/b.ts", `import { y } from "../scheduling/a.js";\nexport const x = 1;\n`);
    write("packages/runtime/src/client/local/c.ts", `import("../remote/d.js");\n`);
    write("packages/runtime/src/client/remote/d.ts", `export {};\n`);
    write("packages/runtime/src/gateway/e.ts", `import type { Redis } from "ioredis";\n`);
    write("packages/runtime/src/store/f.ts", `import { Redis } from "ioredis";\n`);
    const problems = checkImportLayers(tmp);
    expect(problems).toContain("packages/sdk/src/index.ts:1: package sdk must not import @taskloom/compiler (allowed: none)");
    expect(problems.some((p) => p.startsWith("packages/runtime/src/scheduling/a.ts:2: scheduling/ must not import client"))).toBe(true);
    expect(problems.some((p) => p.startsWith("packages/runtime/src/client/local/c.ts:1: client/local/ must not import client/remote/"))).toBe(true);
    expect(problems).toContain("packages/runtime/src/gateway/e.ts:1: gateway/ must not import ioredis; only store/ may");
    expect(problems.some((p) => p.startsWith("packages/runtime/src/store/f.ts"))).toBe(false);
    expect(problems.some((p) => /import cycle between runtime folders: (scheduling → client → scheduling|client → scheduling → client)/.test(p))).toBe(true);
  });

  it("reads static, re-export, side-effect and dynamic imports", () => {
    const text = `import a from "./a.js";\nexport { b } from "./b.js";\nimport "./c.js";\nconst d = await import("./d.js");\nimport type { E } from "./e.js";\n`;
    expect(importsOf(text).map((i) => i.specifier)).toEqual(["./a.js", "./b.js", "./c.js", "./d.js", "./e.js"]);
  });
});
