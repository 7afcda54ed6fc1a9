/**
 * The worker entry the gateway starts by default: the remote runtime's {@link RemoteWorker}
 * (what `dag-worker` runs), with the same flags, plus what the gateway needs and `dag-worker`
 * does not give yet: the consumer name chosen by the gateway (`TASKLOOM_WORKER_ID`), a `ready`
 * event once it serves its queue, and `task-start` / `task-end` events translated from the
 * worker's `run <id> task <id> start|end|(...) failed` log lines. Every other line passes through.
 */
import { parseArgs } from "node:util";
import { RemoteWorker, type RemoteWorkerOptions } from "../remote/remote-worker.js";
import { translateWorkerLog } from "./worker-log-translation.js";
import { formatWorkerEvent } from "./worker-protocol.js";

const { values } = parseArgs({
  options: {
    redis: { type: "string" }, group: { type: "string" }, concurrency: { type: "string" },
    "memory-mb": { type: "string" }, "lease-ms": { type: "string" }, prefix: { type: "string" },
  },
});
const number = (value: string | undefined): number | undefined => (value === undefined ? undefined : Number(value));
const write = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

if (!values.redis) {
  process.stderr.write("gateway-worker: --redis <url> is required\n");
  process.exit(2);
}
const concurrency = number(values.concurrency);
const memoryMb = number(values["memory-mb"]);
const leaseMs = number(values["lease-ms"]);
// `maxHeld` (hand-offs held at once) is what the gateway needs from RemoteWorker so that a worker
// never holds more than its concurrency; older RemoteWorkers ignore it and hold 2x their threads.
const options: RemoteWorkerOptions & { maxHeld?: number } = {
  ...(concurrency !== undefined ? { maxHeld: concurrency } : {}),
  ...(process.env.TASKLOOM_WORKER_ID ? { id: process.env.TASKLOOM_WORKER_ID } : {}),
  ...(values.group ? { group: values.group } : {}),
  ...(values.prefix ? { prefix: values.prefix } : {}),
  ...(concurrency !== undefined ? { concurrency } : {}),
  ...(memoryMb !== undefined ? { memoryMb } : {}),
  ...(leaseMs !== undefined ? { leaseMs } : {}),
  log: (line) => {
    for (const out of translateWorkerLog(line)) write(out);
  },
};
const worker = await RemoteWorker.start(values.redis, options);
write(formatWorkerEvent({ event: "ready" }));
const stop = (): void => {
  worker.stop().then(() => process.exit(0), () => process.exit(1));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
