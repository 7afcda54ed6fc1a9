import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { compile } from "../../src/compile.js";
import { wordcountSource } from "./fixtures.js";
import { createTempProject, REPO_ROOT, type TempProject } from "./temp-project.js";

const run = promisify(execFile);

let project: TempProject | undefined;
afterEach(async () => {
  await project?.remove();
  project = undefined;
});

const MAIN = `import { wordcount } from "./wordcount.dag.js";
import { WordCount } from "./wordcount.js";
const chunks = ["to be or", " not to be", " that is", " the question"];
const compiled = await wordcount.run(chunks);
console.log(JSON.stringify({ compiled, direct: WordCount.wordcount(chunks) }));
`;

describe("generated .dag.ts", () => {
  it("runs the workflow through @taskloom/runtime and returns what the direct call returns", async () => {
    project = await createTempProject();
    const [source] = await project.write({ "wordcount.ts": wordcountSource("v1"), "main.ts": MAIN });
    const result = await compile([source!], { cwd: project.dir });
    expect(result.failed).toBe(false);
    const tsx = path.join(REPO_ROOT, "node_modules/.bin/tsx");
    const { stdout } = await run(tsx, ["main.ts"], { cwd: project.dir, timeout: 60_000 });
    const { compiled, direct } = JSON.parse(stdout) as { compiled: unknown; direct: Record<string, number> };
    expect(direct).toEqual({ be: 2, is: 1, not: 1, or: 1, question: 1, that: 1, the: 1, to: 2 });
    expect(compiled).toEqual(direct);
  });
});
