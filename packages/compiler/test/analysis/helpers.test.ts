import { describe, expect, it } from "vitest";
import type { Value } from "@taskloom/sdk/internal";
import { NOT_LITERAL, literalValue } from "../../src/analysis/literal-value.js";
import { resolveClass } from "../../src/analysis/resolve-class.js";
import { getPath, makeArray, mayBeArray } from "../../src/analysis/value-builders.js";
import { formatDiagnostic } from "../../src/diagnostics/diagnostic.js";
import { inMemoryProject, sourceFile } from "./in-memory-project.js";

const node = (id: string): Value => ({ kind: "node", node: id });

describe("getPath", () => {
  it("takes statically known items and merges nested gets", () => {
    const arr = makeArray([{ value: node("n1") }, { value: node("n2") }]);
    expect(getPath(arr, [1])).toEqual(node("n2"));
    expect(getPath(getPath(node("n1"), ["a"]), [0, "b"])).toEqual({ kind: "get", of: node("n1"), path: ["a", 0, "b"] });
    expect(getPath({ kind: "literal", value: { a: [1, 2] } }, ["a", 1])).toEqual({ kind: "literal", value: 2 });
  });

  it("keeps a get when a spread hides the position", () => {
    const arr: Value = { kind: "array", items: [{ spread: true, value: node("m1") }, { value: node("n2") }] };
    expect(getPath(arr, [1])).toEqual({ kind: "get", of: arr, path: [1] });
    const obj: Value = {
      kind: "object",
      entries: [
        { key: "a", value: node("n1") },
        { spread: true, value: node("n2") },
      ],
    };
    expect(getPath(obj, ["a"])).toEqual({ kind: "get", of: obj, path: ["a"] });
    const later: Value = {
      kind: "object",
      entries: [
        { spread: true, value: node("n2") },
        { key: "a", value: node("n1") },
      ],
    };
    expect(getPath(later, ["a"])).toEqual(node("n1"));
  });

  it("knows what may be an array", () => {
    expect(mayBeArray({ kind: "literal", value: [1] })).toBe(true);
    expect(mayBeArray({ kind: "literal", value: "abc" })).toBe(false);
    expect(mayBeArray({ kind: "index", map: "m1" })).toBe(false);
    expect(mayBeArray({ kind: "element", map: "m1" })).toBe(true);
  });
});

describe("literalValue", () => {
  it("evaluates JSON literals, negative numbers and `as const`", () => {
    const project = inMemoryProject({ "a.ts": 'const x = [-1, { "k": `t`, n: null }, true] as const;\nconst y = f();' });
    const [x, y] = sourceFile(project, "a.ts").getVariableDeclarations();
    expect(literalValue(x!.getInitializerOrThrow())).toEqual([-1, { k: "t", n: null }, true]);
    expect(literalValue(y!.getInitializerOrThrow())).toBe(NOT_LITERAL);
  });
});

describe("resolveClass", () => {
  const project = inMemoryProject({
    "tasks/impl.ts": "export class Impl {}\nclass Hidden {}\nexport default class Def {}\nexport { Hidden as Shown };",
    "tasks/index.ts": 'export { Impl as Renamed } from "./impl.js";\nexport * from "./impl.js";',
    "main.ts": [
      'import { Renamed } from "./tasks";',
      'import Def from "./tasks/impl.js";',
      'import { Shown, Impl as Direct } from "./tasks/impl";',
      'import { Nope } from "./tasks/index.js";',
      "class Local {}",
    ].join("\n"),
  });
  const main = sourceFile(project, "main.ts");
  const found = (name: string) => {
    const r = resolveClass(name, main);
    return r !== undefined && "found" in r ? [r.found.name, r.found.exportName, r.found.file.getBaseName()] : r;
  };

  it("follows imports, index files, aliases, default and re-exports", () => {
    expect(found("Renamed")).toEqual(["Impl", "Impl", "impl.ts"]);
    expect(found("Def")).toEqual(["Def", "default", "impl.ts"]);
    expect(found("Shown")).toEqual(["Hidden", "Shown", "impl.ts"]);
    expect(found("Direct")).toEqual(["Impl", "Impl", "impl.ts"]);
    expect(found("Local")).toEqual(["Local", undefined, "main.ts"]);
  });

  it("says why a class cannot be followed, and ignores other names", () => {
    expect(resolveClass("Nope", main)).toEqual({ unresolved: "index.ts exports no class named Nope" });
    expect(resolveClass("nothing", main)).toBeUndefined();
  });
});

describe("formatDiagnostic", () => {
  it("puts the caret under the span, keeping tabs, and clamps it to the line", () => {
    const text = formatDiagnostic({
      code: "TL1001",
      message: "f is not a @task",
      file: "a.ts",
      line: 3,
      column: 12,
      sourceLine: "\tconst x = f(1);",
      hint: "move it",
      length: 400,
    });
    expect(text).toBe(["a.ts:3:12 - error TL1001: f is not a @task", "  \tconst x = f(1);", "  \t          ^^^^^", "  hint: move it"].join("\n"));
  });
});
