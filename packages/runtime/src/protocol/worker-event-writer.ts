/**
 * Writes the worker side of the gateway protocol (worker-protocol.ts) synchronously on fd 1, from
 * a worker's main thread or from one of its task threads alike, so that events and task lines keep
 * their order and leave the process at once. Imports nothing heavy: worker threads load it.
 */
import { writeSync } from "node:fs";
import { formatWorkerEvent, type WorkerEvent } from "./worker-protocol.js";

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Writes one line on `fd` at once, whole (a pipe write of less than 4 KiB is atomic). */
export function writeLineSync(text: string, fd = 1): void {
  const bytes = Buffer.from(`${text}\n`);
  for (let at = 0, tries = 0; at < bytes.length; ) {
    try {
      at += writeSync(fd, bytes, at);
    } catch (error) {
      // A full non-blocking pipe: wait a little for the gateway to read, then go on.
      if ((error as { code?: string }).code !== "EAGAIN" || ++tries > 5000) return;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

/** Writes a protocol event. */
export function emitWorkerEvent(event: WorkerEvent): void {
  writeLineSync(formatWorkerEvent(event));
}
