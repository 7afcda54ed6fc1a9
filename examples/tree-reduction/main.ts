/** `npm run example:tree-reduction`: pairwise sums of 0..1023 (523,776) and 0..2047 (2,096,128). */
import { runExample } from "../common/run-example.js";
import { leafTreeReduction, treeReduction } from "./tree-reduction.dag.js";
import { Add } from "./tree-reduction.js";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
for (const n of [1024, 2048]) {
  const xs = range(n);
  await runExample({ title: `treeReduction(0..${n - 1})`, handle: treeReduction, input: xs, direct: () => Add.treeReduction(xs) });
}
const xs = range(1024);
await runExample({ title: "leafTreeReduction(0..1023)", handle: leafTreeReduction, input: xs, direct: () => Add.leafTreeReduction(xs) });
