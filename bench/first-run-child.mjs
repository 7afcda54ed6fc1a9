/**
 * One fresh process of the first-run bench (`bench/sections/first-run.ts`), in plain JavaScript
 * as a built program is: imports the S2 handle (`fanout.dag.mjs`, the generated module
 * transpiled by the section), runs it once (the first run: worker threads or the remote client
 * start, the bundle loads), then a few warm runs, and prints the timings as one JSON line.
 *
 *   node bench/first-run-child.mjs <width> [redis-url]
 */
const started = performance.now();
const [widthText, redis] = process.argv.slice(2);
const input = Array.from({ length: Number(widthText) }, (_, i) => i);
const expected = input.reduce((s, x) => s + x, 0);
const { benchFanout } = await import("./workflows/fanout.dag.mjs");
const imported = performance.now();
const options = redis ? { redis } : {};
const check = (r) => {
  if (r !== expected) throw new Error(`first-run bench: expected ${expected}, got ${r}`);
};
const cpuBefore = process.cpuUsage();
check(await benchFanout.run(input, options));
const firstRun = performance.now();
// CPU time of the first run, its worker threads' included: steadier than wall time on a busy machine.
const cpu = process.cpuUsage(cpuBefore);
const warm = [];
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  check(await benchFanout.run(input, options));
  warm.push(performance.now() - t);
}
const firstRunCpuMs = (cpu.user + cpu.system) / 1000;
console.log(JSON.stringify({ importMs: imported - started, firstRunMs: firstRun - imported, firstRunCpuMs, warmMs: warm.sort((a, b) => a - b)[1] }));
process.exit(0);
