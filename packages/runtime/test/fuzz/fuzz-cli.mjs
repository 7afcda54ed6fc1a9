#!/usr/bin/env node
/**
 * `npm run fuzz -- [--cases 2000] [--batch 20] [--remote 20] [--seed <n>]`: the compiler fuzzer
 * (compiler-fuzz.test.ts) for long runs: `--cases` random workflows locally (compiled in modules of
 * `--batch`), as many malformed bodies, `--remote` of them on two dag-workers too, with a new
 * seed each time; `--seed` replays a failure fast-check printed. CI runs the test file with its
 * small defaults and a fixed seed.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    cases: { type: "string", default: "500" },
    batch: { type: "string", default: "20" },
    remote: { type: "string", default: "20" },
    seed: { type: "string" },
  },
});
for (const name of ["cases", "batch", "remote"]) {
  if (!/^\d+$/.test(values[name])) {
    process.stderr.write(`fuzz: --${name} must be a whole number, got ${JSON.stringify(values[name])}\n`);
    process.exit(2);
  }
}
const batch = Math.max(1, Number(values.batch));
const env = {
  ...process.env,
  TASKLOOM_FUZZ_RUNS: String(Math.max(1, Math.ceil(Number(values.cases) / batch))),
  TASKLOOM_FUZZ_BATCH: String(batch),
  TASKLOOM_FUZZ_REMOTE: values.remote,
  TASKLOOM_FUZZ_SEED: values.seed ?? "random",
};
const vitest = fileURLToPath(new URL("../../../../node_modules/vitest/vitest.mjs", import.meta.url));
const root = fileURLToPath(new URL("../../../../", import.meta.url));
const run = spawnSync(process.execPath, [vitest, "run", "packages/runtime/test/fuzz"], { stdio: "inherit", env, cwd: root });
process.exit(run.status ?? 1);
