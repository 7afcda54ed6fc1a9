/**
 * One fresh process of the first-run bench (`bench/sections/first-run.ts`): imports a generated
 * handle, runs it once (the first run: worker threads or the remote client start, the bundle is
 * loaded), then a few warm runs, and prints the timings as one JSON line.
 *
 *   node --import tsx bench/first-run-child.ts <1|1000> [redis-url]
 */
export {};

const started = performance.now();
const [widthText, redis] = process.argv.slice(2);
const width = Number(widthText);
const input = Array.from({ length: width }, (_, i) => i);
const expected = input.reduce((s, x) => s + x, 0);
const { benchFanout } = await import("./workflows/fanout.dag.js");
const imported = performance.now();
const options = redis ? { redis } : {};
const check = (r: number): void => {
  if (r !== expected) throw new Error(`first-run bench: expected ${expected}, got ${r}`);
};
check(await benchFanout.run(input, options));
const firstRun = performance.now();
const warm: number[] = [];
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  check(await benchFanout.run(input, options));
  warm.push(performance.now() - t);
}
console.log(JSON.stringify({ importMs: imported - started, firstRunMs: firstRun - imported, warmMs: warm.sort((a, b) => a - b)[1] }));
const { closeLocalPools } = await import("@taskloom/runtime");
await closeLocalPools();
process.exit(0);
