/**
 * Errors of the remote runtime. Each has a stable `code`; errors that cross a process boundary
 * are recognised by `name`/`code`, not by `instanceof`.
 */
export class RemoteRuntimeError extends Error {
  /** Stable code, e.g. `TL_REDIS_UNREACHABLE`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = "RemoteRuntimeError";
  }
}

/** A task of a remote run threw: carries the task instance id and the original stack. */
export class RemoteTaskError extends Error {
  readonly code: string;
  readonly instanceId: string;
  readonly task: string;
  readonly worker: string;

  constructor(record: { instanceId: string; task: string; name: string; message: string; stack: string; code?: string; worker: string }) {
    super(`task ${record.task} (instance ${record.instanceId}) failed on worker ${record.worker}: ${record.message}`);
    this.name = "RemoteTaskError";
    this.code = record.code ?? "TL_TASK_FAILED";
    this.instanceId = record.instanceId;
    this.task = record.task;
    this.worker = record.worker;
    this.stack = `${this.name}: ${this.message}\n--- task stack ---\n${record.stack}`;
  }
}
