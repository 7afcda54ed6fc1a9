/** Test helper: runs a compiled workflow through the remote executor itself (with executor options such as a plan). */
import { createRemoteExecutor, type RemoteOutcome, type RemoteRunOptions } from "../../dist/client/remote/remote-executor.js";
import { resolveRunOptions } from "../../dist/client/run-options.js";
import type { RunOptions } from "../../dist/index.js";
import type { CompiledModule } from "../local/compile-for-test.js";

/** Runs `workflow` of `mod` on the workers of `url`; the outcome with its report, run id and bytes written. */
export async function runRemoteOutcome(
  mod: CompiledModule,
  workflow: string,
  input: unknown,
  url: string,
  executorOptions: RemoteRunOptions = {},
  runOptions: Omit<RunOptions, "redis"> = {},
): Promise<RemoteOutcome> {
  // The report's metrics are complete only once the workers uploaded them: wait for them.
  const outcome = await createRemoteExecutor(url, { collectMetrics: true, ...executorOptions }).run({
    manifest: mod.manifest,
    workflow: mod.manifest.workflows.find((w) => w.name === workflow)!,
    bundleUrl: mod.bundleUrl,
    input,
    options: resolveRunOptions({ ...runOptions, redis: url }, undefined),
  });
  return outcome as RemoteOutcome;
}
