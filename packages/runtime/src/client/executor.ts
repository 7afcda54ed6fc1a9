import type { ModuleManifest, WorkflowIR } from "@taskloom/sdk/internal";
import type { TaskOptions } from "@taskloom/sdk";
import type { ResolvedRunOptions } from "./run-options.js";
import type { RunReport } from "../report/run-report.js";

/** Everything an executor needs to run one workflow once. */
export interface ExecutionContext {
  manifest: ModuleManifest;
  workflow: WorkflowIR;
  /** URL of the task bundle (an ES module). */
  bundleUrl: URL;
  /** The workflow's input. */
  input: unknown;
  /** `@task` options by stable task id, read from reflect-metadata in the main thread. */
  taskOptions: ReadonlyMap<string, Readonly<TaskOptions>>;
  /** Display names (`name` option or `Class.method`) by stable task id. */
  taskNames: ReadonlyMap<string, string>;
  options: ResolvedRunOptions;
}

/** What an executor resolves to; it rejects with a runtime error (carrying a partial `report`). */
export interface ExecutionOutcome {
  result: unknown;
  report: RunReport;
}

/**
 * Runs workflows somewhere: the local executor on worker threads, the remote executor on
 * `dag-worker` processes through Redis. The handle picks one per run.
 */
export interface Executor {
  run(ctx: ExecutionContext): Promise<ExecutionOutcome>;
}

/** Builds the remote executor for a Redis URL; registered by the remote runtime. */
export type RemoteExecutorFactory = (redisUrl: string) => Executor | Promise<Executor>;

let remoteFactory: RemoteExecutorFactory | undefined;

/** Registers the executor used for `run(input, { redis })` (called by the remote runtime). */
export function registerRemoteExecutor(factory: RemoteExecutorFactory): void {
  remoteFactory = factory;
}

/** The registered remote executor factory, if any. */
export function getRemoteExecutorFactory(): RemoteExecutorFactory | undefined {
  return remoteFactory;
}
