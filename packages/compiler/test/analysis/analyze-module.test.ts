import { describe, expect, it } from "vitest";
import { analyzeModule } from "../../src/analysis/analyze-module.js";
import { inMemoryProject, sourceFile } from "./in-memory-project.js";

const SDK = 'import { task, workflow } from "@taskloom/sdk";\n';

describe("analyzeModule (in memory)", () => {
  it("follows a task class through an alias import and names it by its module", () => {
    const project = inMemoryProject({
      "lib/ops.ts": `${SDK}class Ops { @task() static inc(x: number) { return x + 1; } }\nexport { Ops as Operations };\n`,
      "app/flow.ts": `${SDK}import { Operations as O } from "../lib/ops.js";\nexport class F { @workflow() static w(x: number) { return O.inc(O.inc(x)); } }\n`,
    });
    const analysis = analyzeModule(sourceFile(project, "app/flow.ts"), { rootDir: "/proj" });
    expect(analysis.diagnostics).toEqual([]);
    expect(analysis.source).toBe("app/flow.ts");
    expect(Object.keys(analysis.tasks)).toEqual(["lib/ops.ts#Ops.inc"]);
    expect(analysis.tasks["lib/ops.ts#Ops.inc"]).toMatchObject({ exportName: "Operations", method: "inc", sourceFile: "/proj/lib/ops.ts" });
    const [wf] = analysis.workflows;
    expect(wf?.nodes.map((n) => n.id)).toEqual(["n1", "n2"]);
    expect(wf?.result).toEqual({ kind: "node", node: "n2" });
  });

  it("reports every error of the module at once, including the imported task module's top level", () => {
    const project = inMemoryProject({
      "ops.ts": `${SDK}export const started = Date.now();\nexport class Ops { @task() static inc(x: number) { return x + 1; } }\n`,
      "flow.ts": [
        SDK + 'import { Ops } from "./ops.js";',
        "export class F {",
        "  @workflow() static a(x: number) { return Ops.inc(x) * Math.random(); }",
        "  @workflow() static b(x: number) { let y = x; return Ops.inc(y); }",
        "  @workflow() static c(x: number) { return Ops.inc(x); }",
        "}",
      ].join("\n"),
    });
    const analysis = analyzeModule(sourceFile(project, "flow.ts"), { rootDir: "/proj" });
    expect(analysis.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}`)).toEqual([
      "flow.ts:4:57 TL1027",
      "flow.ts:5:37 TL1003",
      "ops.ts:2:24 TL1017",
    ]);
    expect(analysis.workflows).toEqual([]);
    expect(analysis.tasks).toEqual({});
  });

  it("gives each node a unique id across nested map bodies, in source order", () => {
    const project = inMemoryProject({
      "flow.ts": `${SDK}export class F {
  @task() static t(...xs: unknown[]) { return xs; }
  @workflow() static w(input: number[][]) {
    const first = F.t(0);
    return input.map((row) => row.map((x) => F.t(F.t(x), first)));
  }
}\n`,
    });
    const analysis = analyzeModule(sourceFile(project, "flow.ts"), { rootDir: "/proj" });
    const ids: string[] = [];
    const walk = (nodes: (typeof analysis.workflows)[number]["nodes"]) => {
      for (const n of nodes) {
        if (n.kind === "map") walk(n.body.nodes);
        ids.push(n.id);
      }
    };
    walk(analysis.workflows[0]?.nodes ?? []);
    expect(ids).toEqual(["n1", "n2", "n3", "m2", "m1"]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("never writes to the file system", () => {
    const project = inMemoryProject({ "flow.ts": `${SDK}export class F { @task() static t() { return 1; } @workflow() static w() { return F.t(); } }\n` });
    const before = project
      .getFileSystem()
      .readDirSync("/proj")
      .map((e) => e.name);
    analyzeModule(sourceFile(project, "flow.ts"), { rootDir: "/proj" });
    expect(
      project
        .getFileSystem()
        .readDirSync("/proj")
        .map((e) => e.name),
    ).toEqual(before);
    expect(project.getSourceFileOrThrow("/proj/flow.ts").wasForgotten()).toBe(false);
  });
});
