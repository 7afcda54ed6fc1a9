/**
 * The README describes the runtime as it is: its layout table lists exactly the folders and root
 * files of packages/runtime/src (and the sub-folders it names exist), in an order the import-layer
 * rules respect (a folder imports only folders above it), and its error table lists exactly the
 * error codes the sources throw.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { RUNTIME_LAYERS } from "../../../../test/architecture/import-layers.js";

const root = fileURLToPath(new URL("../../../..", import.meta.url));
const readme = readFileSync(join(root, "README.md"), "utf8");
const src = join(root, "packages/runtime/src");

/** The rows of the first README table whose header starts with `header`: their cells. */
function table(header: string): string[][] {
  const lines = readme.split("\n");
  const start = lines.findIndex((l) => l.startsWith(header));
  expect(start, `README has a table starting "${header}"`).toBeGreaterThan(-1);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("|")) break;
    rows.push(
      line
        .split("|")
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  }
  return rows;
}

const codeSpans = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

/** A README name of the runtime's layout (`store/`, `errors.ts`) as the layer name (`store`, `errors.ts`). */
const layer = (name: string): string => name.replace(/\/$/, "");

describe("README layout and errors match the code", () => {
  const rows = table("| folder | runs in | what it holds |");
  const listed = rows.map((r) => codeSpans(r[0]!).map(layer));

  it("the layout table lists exactly the folders and root files of packages/runtime/src", () => {
    const actual = readdirSync(src).filter((n) => statSync(join(src, n)).isDirectory() || n.endsWith(".ts"));
    expect(listed.flat().sort()).toEqual(actual.sort());
    expect(Object.keys(RUNTIME_LAYERS).sort()).toEqual(actual.sort());
  });

  it("every sub-folder the table names exists", () => {
    const named = rows.flatMap((r) => codeSpans(r[2]!)).filter((n) => /^[a-z-]+\/[a-z-]+\/$/.test(n));
    expect(named.length).toBeGreaterThan(0);
    for (const sub of named) expect(statSync(join(src, sub)).isDirectory(), sub).toBe(true);
  });

  it("a folder imports only folders above it in the table (the order follows the layer rules)", () => {
    const rowOf = new Map(listed.flatMap((names, i) => names.map((n) => [n, i] as const)));
    const upward: string[] = [];
    for (const [folder, allowed] of Object.entries(RUNTIME_LAYERS)) {
      for (const dep of allowed) {
        if (dep !== "*" && (rowOf.get(dep) ?? Infinity) >= (rowOf.get(folder) ?? -1)) upward.push(`${folder} -> ${dep}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it("the error table lists exactly the codes the sources use", () => {
    const documented = new Set(table("| class | code | fields |").flatMap((r) => codeSpans(r[1]!).filter((c) => /^TLC?_[A-Z0-9_]+$/.test(c))));
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : n.endsWith(".ts") ? [join(dir, n)] : []));
    const used = new Set<string>();
    for (const pkg of ["sdk", "compiler", "runtime"]) {
      for (const file of files(join(root, "packages", pkg, "src"))) {
        for (const m of readFileSync(file, "utf8").matchAll(/"(TLC?_[A-Z0-9_]+)"/g)) used.add(m[1]!);
      }
    }
    expect(used.size).toBeGreaterThan(20);
    expect([...documented].sort()).toEqual([...used].sort());
  });
});
