import { ValueTooLargeError } from "../errors.js";
import { estimateBytes } from "./estimate-bytes.js";

/**
 * Default of the run option `maxValueBytes` (and `dag-worker --max-value-bytes`): 256 MiB. Above
 * it a value stops fitting where it must go remotely: its base64 encoding (4/3 of it) nears V8's
 * longest string (~512 Mi characters) and Redis's longest argument (`proto-max-bulk-len`, 512 MB).
 */
export const DEFAULT_MAX_VALUE_BYTES = 256 * 1024 * 1024;

/**
 * Throws {@link ValueTooLargeError} when `value` is larger than `limit` bytes by the runtime's
 * estimate (exact for strings and binary data, sampled for large containers: cheap enough to run
 * on every value). Returns the estimate.
 */
export function checkValueSize(value: unknown, path: string, limit: number, instance?: { instanceId: string; task?: string }): number {
  const bytes = estimateBytes(value);
  if (bytes > limit) throw new ValueTooLargeError(path, bytes, limit, instance);
  return bytes;
}

/**
 * A cheap, conservative pre-check: true when `value` is surely within `limit` bytes (a number, a
 * boolean, a short string, a short array of those), so that the estimate can be skipped for the
 * tiny arguments and outputs of most tasks. False means "estimate it".
 */
export function surelyWithin(value: unknown, limit: number): boolean {
  switch (typeof value) {
    case "number":
    case "boolean":
    case "undefined":
      return true;
    case "string":
      return value.length * 3 <= limit;
    case "object": {
      if (value === null) return true;
      if (!Array.isArray(value) || value.length > 16) return false;
      let budget = limit;
      for (const v of value) {
        if (typeof v === "string") budget -= v.length * 3;
        else if (typeof v === "number" || typeof v === "boolean" || v === null || v === undefined) budget -= 8;
        else return false;
      }
      return budget >= 0;
    }
    default:
      return false;
  }
}
