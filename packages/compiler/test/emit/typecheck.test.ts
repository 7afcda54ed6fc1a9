import path from "node:path";
import ts from "typescript";
import { afterEach, describe, expect, it } from "vitest";
import { compile } from "../../src/compile.js";
import { wordcountSource } from "./fixtures.js";
import { createTempProject, type TempProject } from "./temp-project.js";

let project: TempProject | undefined;
afterEach(async () => {
  await project?.remove();
  project = undefined;
});

// The repository's strict settings (tsconfig.base.json), for a user's NodeNext project.
const STRICT: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ["lib.es2023.d.ts"],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  noUncheckedIndexedAccess: true,
  noImplicitOverride: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  skipLibCheck: true,
  noEmit: true,
  types: ["node"],
};

const HELLO_SOURCE = `
export class Hello {
  @task()
  static hi(): string { return "hi"; }

  @workflow()
  static async hello() { return await Hello.hi(); }
}
`;

const USER_CODE = `import { hello, wordcount } from "./wordcount.dag.js";

export const counts: Record<string, number> = await wordcount.run(["to be or", " not to be"]);
export const greeting: string = await hello.run();
// @ts-expect-error the input of wordcount is a string[]
await wordcount.run(42);
// @ts-expect-error the result is a Record, not a number
export const wrong: number = await wordcount.run([]);
`;

function typeErrors(files: string[], options: ts.CompilerOptions): string[] {
  const program = ts.createProgram(files, options);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ` : "";
    return where + ts.flattenDiagnosticMessageText(d.messageText, "\n");
  });
}

describe("generated .dag.ts", () => {
  it("typechecks under strict NodeNext settings and types run() from the workflow's signature", async () => {
    project = await createTempProject(["@types"]);
    const [source] = await project.write({ "wordcount.ts": wordcountSource() + HELLO_SOURCE, "use.ts": USER_CODE });
    const result = await compile([source!], { cwd: project.dir });
    expect(result.diagnostics).toEqual([]);
    expect(result.modules[0]!.workflows).toEqual(["wordcount", "hello"]);
    const files = ["wordcount.ts", "wordcount.dag.ts", "use.ts"].map((f) => path.join(project!.dir, f));
    expect(typeErrors(files, STRICT)).toEqual([]);
  });

  it("reports a type error when the user passes the wrong input (the test can fail)", async () => {
    project = await createTempProject(["@types"]);
    const [source] = await project.write({
      "wordcount.ts": wordcountSource() + HELLO_SOURCE,
      "use.ts": USER_CODE.replace("// @ts-expect-error the input of wordcount is a string[]\n", ""),
    });
    await compile([source!], { cwd: project.dir });
    const files = ["wordcount.ts", "wordcount.dag.ts", "use.ts"].map((f) => path.join(project!.dir, f));
    const errors = typeErrors(files, STRICT);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^use\.ts:5: .*number.*string\[\]/s);
  });
});
