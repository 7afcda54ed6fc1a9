import type { ModuleManifest, WorkflowIR } from "@taskloom/sdk/internal";
import type { ResolvedRunOptions } from "./run-options.js";
import type { RunReport } from "../report/run-report.js";
import type { TaskInstance } from "../scheduling/task-instance.js";

/** Everything an executor needs to run one workflow once. */
export interface ExecutionContext {
  /** The module's manifest: graph IR, and each task's place in the bundle and `@task` options. */
  manifest: ModuleManifest;
  workflow: WorkflowIR;
  /** URL of the task bundle (an ES module). */
  bundleUrl: URL;
  /** The workflow's input. */
  input: unknown;
  options: ResolvedRunOptions;
  /** The run's id (`report.runId`); a fresh UUID when absent. */
  runId?: string;
  /**
   * Told when a local run hands a batch of instances to a thread (the dashboard's running state;
   * remote workers publish theirs while a dashboard watches). Called only when set.
   */
  onBatchStart?: (instances: readonly TaskInstance[], at: number) => void;
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
