import { IR_VERSION, type ModuleManifest, type WorkflowIR } from "@taskloom/sdk/internal";
import { describe, expect, it } from "vitest";
import { generateDagModule, importSpecifier } from "../../src/emit/generate-dag-module.js";
import { serializeManifest } from "../../src/emit/build-manifest.js";
import { EmitError } from "../../src/errors.js";

const loc = { file: "m.ts", line: 3, column: 5 };

function workflow(name: string, className: string, hasInput = true): WorkflowIR {
  return { name, className, hasInput, nodes: [], result: { kind: "literal", value: { z: 1, a: [2, { y: 3, b: 4 }] } }, loc };
}

function manifest(workflows: WorkflowIR[]): ModuleManifest {
  return { version: IR_VERSION, source: "m.ts", bundle: { file: "m.0123456789abcdef.mjs", hash: "0123456789abcdef", bytes: 10 }, tasks: {}, workflows };
}

const OPTIONS = { sourceFileName: "m.ts", bundlePath: ".taskloom/m.0123456789abcdef.mjs" };

describe("generateDagModule", () => {
  it("types a workflow without input as void and imports each class once", () => {
    const text = generateDagModule(manifest([workflow("a", "A", false), workflow("b", "B"), workflow("c", "A")]), OPTIONS);
    expect(text).toContain('import type { A, B } from "./m.js";');
    expect(text).toContain('export const a = createWorkflowHandle<void, Awaited<ReturnType<typeof A.a>>>(manifest, "a", bundleUrl);');
    expect(text).toContain("export const b = createWorkflowHandle<Parameters<typeof B.b>[0],");
    expect(text).toContain('new URL("./.taskloom/m.0123456789abcdef.mjs", import.meta.url)');
  });

  it("rejects two workflows with one handle name, and names the generated module uses", () => {
    expect(() => generateDagModule(manifest([workflow("run", "A"), workflow("run", "B")]), OPTIONS)).toThrow(EmitError);
    expect(() => generateDagModule(manifest([workflow("run", "A"), workflow("run", "B")]), OPTIONS)).toThrow(/A\.run .*B\.run/);
    expect(() => generateDagModule(manifest([workflow("manifest", "A")]), OPTIONS)).toThrow(/handle named "manifest"/);
    expect(() => generateDagModule(manifest([workflow("A", "A")]), OPTIONS)).toThrow(/handle named "A"/);
  });

  it("writes the same bytes whatever the key order of the IR, keeping literals' own key order", () => {
    const w = workflow("w", "W");
    const shuffled = JSON.parse(JSON.stringify({ loc: w.loc, result: w.result, nodes: w.nodes, hasInput: true, className: "W", name: "w" })) as WorkflowIR;
    expect(generateDagModule(manifest([shuffled]), OPTIONS)).toBe(generateDagModule(manifest([w]), OPTIONS));
    expect(serializeManifest(manifest([shuffled]))).toBe(serializeManifest(manifest([w])));
    expect(serializeManifest(manifest([w]))).toContain('"value":{"z":1,"a":[2,{"y":3,"b":4}]}');
  });

  it("imports the source as its JavaScript name", () => {
    expect(importSpecifier("wordcount.ts")).toBe("./wordcount.js");
    expect(importSpecifier("job.mts")).toBe("./job.mjs");
    expect(importSpecifier("old.cts")).toBe("./old.cjs");
  });
});
