import { describe, expect, it } from "vitest";
import { workerExecArgv } from "../../dist/threads/worker-exec-argv.js";

describe("worker threads' Node options", () => {
  it("drops TypeScript loaders in every spelling", () => {
    const tsxCli = ["--require", "/app/node_modules/tsx/dist/preflight.cjs", "--import", "file:///app/node_modules/tsx/dist/loader.mjs"];
    expect(workerExecArgv(tsxCli)).toEqual([]);
    expect(workerExecArgv(["--import", "tsx", "--enable-source-maps"])).toEqual(["--enable-source-maps"]);
    expect(workerExecArgv(["--import=tsx/esm", "-r", "ts-node/register", "--loader=ts-node/esm", "--experimental-loader", "@esbuild-kit/esm-loader"])).toEqual(
      [],
    );
    expect(workerExecArgv(["-r", "@swc-node/register", "--require=esbuild-register"])).toEqual([]);
  });

  it("keeps other preloads and thread-level options, drops process-wide ones a thread refuses", () => {
    const argv = [
      "--import",
      "tsx",
      "--require",
      "./instrument.cjs",
      "--import=./setup.mjs",
      "--max-old-space-size=4096",
      "-C",
      "custom",
      "--no-warnings",
      "--import",
      "my-tsx-helpers",
    ];
    expect(workerExecArgv(argv)).toEqual([
      "--require",
      "./instrument.cjs",
      "--import=./setup.mjs",
      "-C",
      "custom",
      "--no-warnings",
      "--import",
      "my-tsx-helpers",
    ]);
  });

  it("inherits the parent's options (undefined) when there is no TypeScript loader", () => {
    expect(workerExecArgv([])).toBeUndefined();
    expect(workerExecArgv(["--max-old-space-size=256", "--import", "file:///x/child-guard.js"])).toBeUndefined();
  });
});
