import { showValue } from "@taskloom/sdk/internal";
import { findUnserializable } from "../codec/find-unserializable.js";
import type { ThreadError } from "../protocol/thread-messages.js";

const OWN = new Set(["name", "message", "stack", "code"]);

function show(value: unknown): string {
  return typeof value === "string" ? value : showValue(value);
}

/**
 * Normalises anything thrown into the plain {@link ThreadError} shape, keeping the original's
 * name, message, stack, `code` and every other own enumerable property that can cross (the
 * others are listed in `dropped`). Works for errors of another realm (no `instanceof`).
 */
export function toThreadError(error: unknown): ThreadError {
  if (typeof error !== "object" || error === null || !("message" in error)) {
    return { name: "NonErrorThrown", message: `a non-Error value was thrown: ${show(error)}` };
  }
  const e = error as Record<string, unknown>;
  const out: ThreadError = {
    name: typeof e.name === "string" ? e.name : "Error",
    message: String(e.message),
    ...(typeof e.stack === "string" ? { stack: e.stack } : {}),
    ...(typeof e.code === "string" ? { code: e.code } : {}),
  };
  for (const k of Object.keys(e)) {
    if (OWN.has(k)) continue;
    const v = e[k];
    if (findUnserializable(v) === undefined) (out.props ??= {})[k] = v;
    else (out.dropped ??= []).push(k);
  }
  if (typeof e.code !== "string" && e.code !== undefined) (out.props ??= {}).code = e.code;
  return out;
}

/** The limits a thread ran under, to explain its death. */
export interface CrashLimits {
  /** The thread was stopped because its task's `timeoutMs` passed. */
  timedOut: boolean;
  timeoutMs: number | undefined;
  /** Heap limit of the thread in MiB, and where it comes from (`task option memoryMb`, `dag-worker --memory-mb`). */
  memoryMb: number | undefined;
  limitSource: string;
}

/**
 * How a thread that died (its batch's promise rejected) failed: stopped at its task's timeout,
 * out of memory, or otherwise (the message says what the thread died of).
 */
export function crashFailure(error: unknown, limits: CrashLimits): ThreadError {
  const e = (typeof error === "object" && error !== null ? error : {}) as { name?: unknown; message?: unknown; stack?: unknown; code?: unknown };
  if (limits.timedOut && limits.timeoutMs !== undefined) {
    return {
      name: "TaskTimeoutError",
      kind: "timeout",
      timeoutMs: limits.timeoutMs,
      message: `timed out after ${limits.timeoutMs} ms (task option timeoutMs)`,
    };
  }
  if (e.code === "ERR_WORKER_OUT_OF_MEMORY") {
    const limit = limits.memoryMb === undefined ? "its heap limit" : `its heap limit of ${limits.memoryMb} MB (${limits.limitSource})`;
    return {
      name: "TaskOutOfMemoryError",
      kind: "oom",
      ...(limits.memoryMb !== undefined ? { memoryMb: limits.memoryMb } : {}),
      message: `the thread reached ${limit}`,
    };
  }
  const message = typeof e.message === "string" ? e.message : show(error);
  return {
    name: typeof e.name === "string" ? e.name : "Error",
    message: `the worker thread died: ${message}`,
    ...(typeof e.stack === "string" ? { stack: e.stack } : {}),
    ...(typeof e.code === "string" ? { code: e.code } : {}),
  };
}
