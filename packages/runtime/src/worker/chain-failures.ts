import type { ThreadError } from "../protocol/thread-messages.js";
import type { RunErrorRecord } from "../protocol/run-error-record.js";
import { decideRetry } from "../protocol/retry-policy.js";
import { isRuntimeError } from "../errors.js";
import { isRedisUnavailable } from "../store/redis-errors.js";
import { InlineStepError } from "../scheduling/inline-functions.js";
import type { Chain } from "./chain-batch.js";
import { streamsOf } from "./chain-streams.js";
import type { RunStore } from "../store/run-store.js";
import type { RunEventPublisher } from "./run-event-publisher.js";
import { runErrorRecord, taskErrorRecord, workerErrorRecord } from "./run-error-record.js";
import type { WorkerRun, WorkerRunCache } from "./worker-run-cache.js";

/** What failure handling needs from its worker. */
export interface FailureContext {
  store: RunStore;
  runs: WorkerRunCache;
  workerId: string;
  log: (line: string) => void;
  events: RunEventPublisher;
}

/** What failure handling asks of the runner. */
export interface FailureActions {
  /** Runs a chain again (a retry after its backoff). */
  retry(c: Chain): void;
  /** A chain ends here (its deliveries acknowledged once no other chain holds them). */
  end(c: Chain): void;
  /** Starts batches while threads are free. */
  pump(): void;
  /** Redis failed under these chains: their deliveries go back for redelivery. */
  handBack(chains: readonly Chain[], error: Error): void;
}

/**
 * A worker's failures of tasks and runs: a task retried after a backoff when its `retries`
 * allow, else its run failed with the task's error record; an internal error recorded as the run's
 * error so that the client never waits on; a Redis failure handed back for redelivery.
 */
export class ChainFailures {
  constructor(
    private readonly ctx: FailureContext,
    private readonly on: FailureActions,
  ) {}

  /** A task failed: retry it after a backoff when its `retries` allow, else fail the run. */
  taskFailed(c: Chain, error: ThreadError, thread: number): void {
    if (error.kind === "bundle") {
      const { manifest } = c.run;
      const message = `the task bundle ${manifest.bundle.hash} of ${manifest.source} ${error.message}`;
      const record = runErrorRecord({ run: c.run, inst: c.inst, worker: this.ctx.workerId }, "bundle", { ...error, message });
      void this.failRun(c.run, c.inst, record).finally(() => {
        c.observer?.ended(c.run, c.inst, false);
        this.on.end(c);
      });
      return;
    }
    if (error.kind === "stream") {
      // Its stream's producer failed (its own worker reports that), or the run ended: nothing to record here.
      this.ctx.log(`run ${c.run.runId} task ${c.inst.id} stopped: its input stream failed: ${error.message}`);
      c.observer?.ended(c.run, c.inst, false);
      this.on.end(c);
      return;
    }
    c.failures++;
    const retry = decideRetry(c.run.taskOptions(c.inst.task), error, c.failures);
    // A stream cannot be read twice: streaming tasks are never retried.
    const final = retry.final || c.run.over || streamsOf(c);
    const record = taskErrorRecord({ run: c.run, inst: c.inst, worker: this.ctx.workerId, attempts: c.failures, thread }, error);
    this.ctx.events.failed(c.run, c.inst, c.failures, final, record, thread);
    if (!final) {
      const delay = retry.delayMs;
      this.ctx.events.retrying(c.run, c.inst, c.failures + 1, delay);
      this.ctx.log(`run ${c.run.runId} task ${c.inst.id} (${c.inst.task}) failed (attempt ${c.failures}), retrying in ${delay} ms: ${error.message}`);
      setTimeout(() => {
        c.readyAt = Date.now();
        this.on.retry(c);
      }, delay);
      return;
    }
    void this.failRun(c.run, c.inst, record).finally(() => {
      c.observer?.ended(c.run, c.inst, false);
      this.on.end(c);
    });
  }

  async failRun(run: WorkerRun, inst: Chain["inst"], record: RunErrorRecord): Promise<void> {
    run.over = true;
    this.ctx.runs.forget(run.runId);
    const tries = (record.detail?.attempts ?? 1) > 1 ? ` after ${record.detail?.attempts} attempts` : "";
    this.ctx.log(`run ${run.runId} task ${inst.id} (${inst.task}) failed${tries}: ${record.message}`);
    this.ctx.events.flush(run);
    await this.ctx.store.fail(run.runId, record).catch((error: Error) => this.ctx.log(`run ${run.runId}: cannot record the error: ${error.message}`));
  }

  /** An internal error must not leave the client waiting: record it as the run's error. */
  internal(batch: Chain[], error: Error): void {
    if (isRedisUnavailable(error)) {
      this.on.handBack(batch, error);
      this.on.pump();
      return;
    }
    const c = batch[0]!;
    this.ctx.log(`run ${c.run.runId} task ${c.inst.id}: worker error ${error.stack ?? error.message}`);
    // A runtime error of the run's own (an inline step that threw) fails it as such; anything else is the worker's.
    const own = isRuntimeError(error) && error.code !== "TL_WORKER_INTERNAL";
    if (own && (error.code === "TL_VALUE_CORRUPT" || error.code === "TL_VALUE_TOO_LARGE")) {
      // A stored value read after a completion (a fan-in's inputs, an expansion's source) that does not decode, or is too large.
      void this.failRun(c.run, c.inst, workerErrorRecord(c.inst.id, this.ctx.workerId, error)).finally(() => {
        for (const x of batch) this.on.end(x);
        this.on.pump();
      });
      return;
    }
    const record = runErrorRecord({ run: c.run, inst: c.inst, worker: this.ctx.workerId }, own && error.code === "TL_INLINE_FAILED" ? "inline" : "worker", {
      name: error.name,
      message: own ? error.message : `worker ${this.ctx.workerId} failed: ${error.message}`,
      stack: error.stack,
      code: own ? error.code : "TL_WORKER_INTERNAL",
      ...(error instanceof InlineStepError ? { inline: error } : {}),
    });
    void this.failRun(c.run, c.inst, record).finally(() => {
      for (const x of batch) this.on.end(x);
      this.on.pump();
    });
  }
}
