import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { redactRedisUrl } from "../store/redis-url.js";
import type { ModuleManifest, WorkflowIR } from "@taskloom/sdk/internal";
import { ExecutorUnavailableError, ManifestError, RunAbortedError, ValueNotSerializableError } from "../errors.js";
import { findUnserializable } from "../codec/find-unserializable.js";
import { checkValueSize } from "../codec/value-limit.js";
import { checkManifest } from "../protocol/manifest-check.js";
import { getRemoteExecutorFactory, type Executor } from "./executor.js";
import { localExecutor } from "./local/local-executor.js";
import type { RunOutcome, RunReport } from "../report/run-report.js";
import { resolveRunOptions, type RunOptions } from "./run-options.js";

/** The input parameter of `run`: optional when the workflow takes no input. */
type InputArg<I> = undefined extends I ? [input?: I] : [input: I];

/**
 * A compiled workflow, as exported by a generated `X.dag.ts`: `run(input, options?)` executes it
 * on worker threads (default) or remote workers (`{ redis }`) and resolves to a result deep-equal
 * to calling the workflow directly.
 */
export interface WorkflowHandle<I, R> {
  /** The workflow method's name. */
  readonly name: string;
  /** The workflow's graph IR. */
  readonly ir: WorkflowIR;
  run(...args: [...InputArg<I>, options: RunOptions & { report: true }]): Promise<RunOutcome<R>>;
  run(...args: [...InputArg<I>, options?: RunOptions & { report?: false }]): Promise<R>;
  run(...args: [...InputArg<I>, options?: RunOptions]): Promise<R | RunOutcome<R>>;
}

/**
 * Creates the handle of workflow `workflow` of a compiled module. The generated `X.dag.ts` calls it.
 *
 * @param manifest - the module's manifest (graph IR and task table).
 * @param workflow - the workflow method's name.
 * @param bundleUrl - URL of the module's task bundle.
 * @example
 * ```ts
 * export const wordcount = createWorkflowHandle<string[], Record<string, number>>(manifest, "wordcount", bundleUrl);
 * const counts = await wordcount.run(chunks, { concurrency: 4, progress: true });
 * const { result, report } = await wordcount.run(chunks, { report: true });
 * ```
 */
export function createWorkflowHandle<I, R>(manifest: ModuleManifest, workflow: string, bundleUrl: URL): WorkflowHandle<I, R> {
  checkManifest(manifest);
  const ir = manifest.workflows.find((w) => w.name === workflow);
  if (!ir) {
    const known = manifest.workflows.map((w) => w.name).join(", ") || "none";
    throw new ManifestError(`manifest of ${manifest.source} has no workflow "${workflow}" (it has: ${known})`);
  }
  async function run(...args: unknown[]): Promise<unknown> {
    const [input, rawOptions] = ir!.hasInput || args.length > 1 ? args : [undefined, args[0]];
    const options = resolveRunOptions(rawOptions, ir!.options?.timeoutMs);
    // Checked before anything is submitted: a run never starts with an input it cannot send.
    const bad = findUnserializable(input);
    if (bad) throw new ValueNotSerializableError(`input${bad.path}`, bad.what);
    checkValueSize(input, "input", options.maxValueBytes);
    if (options.signal?.aborted) throw new RunAbortedError(options.signal.reason);
    const executor = options.redis !== undefined ? await remoteExecutor(options.redis) : localExecutor;
    const runId = randomUUID();
    // Loaded only when asked for: the dashboard server is no part of a plain run.
    const watched = options.dashboard
      ? await (await import("../dashboard/local-dashboard.js")).watchOnProcessDashboard(
          manifest,
          ir!,
          options.redis !== undefined ? "remote" : "local",
          runId,
          input,
        )
      : undefined;
    if (watched) {
      const user = options.onEvent;
      options.onEvent = user
        ? (e) => {
            watched.onEvent(e);
            user(e);
          }
        : watched.onEvent;
    }
    try {
      const outcome = await executor.run({
        manifest,
        workflow: ir!,
        bundleUrl,
        input,
        options,
        runId,
        ...(watched ? { onBatchStart: watched.batchStarted } : {}),
      });
      watched?.end(true, false, { output: outcome.result, report: outcome.report });
      return options.report ? outcome : outcome.result;
    } catch (error) {
      watched?.end(false, error instanceof RunAbortedError, { report: (error as { report?: RunReport }).report });
      throw error;
    }
  }
  return { name: workflow, ir, run } as WorkflowHandle<I, R>;
}

async function remoteExecutor(redis: string): Promise<Executor> {
  let factory = getRemoteExecutorFactory();
  if (!factory) {
    // The remote runtime registers itself when its module loads: its one-file bundle (written by
    // `npm run build`, scripts/bundle-startup-files.mjs: about half the load time), else its modules.
    const bundle = new URL("./remote/remote.bundle.mjs", import.meta.url);
    const bundled = existsSync(bundle) && (await import(bundle.href).then(() => true).catch(() => false));
    if (!bundled) await import(new URL("./remote/index.js", import.meta.url).href).catch(() => undefined);
    factory = getRemoteExecutorFactory();
  }
  if (!factory) {
    throw new ExecutorUnavailableError(
      `options.redis (${redactRedisUrl(redis)}) needs the remote executor, which is not available in this build of @taskloom/runtime`,
    );
  }
  return factory(redis);
}
