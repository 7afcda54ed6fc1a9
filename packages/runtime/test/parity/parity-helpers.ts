/** Helpers of the parity suite: event counts and value shapes, compared between the two modes. */
import type { RunEvent } from "@taskloom/runtime";

/** Events by type: how many of each. */
export function counts(events: RunEvent[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) out[e.type] = (out[e.type] ?? 0) + 1;
  return out;
}

/** The shape of a value: its keys and the types of their values, recursively (arrays by their first item). */
export function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [] : [shapeOf(value[0])];
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, shapeOf((value as Record<string, unknown>)[k])]),
    );
  }
  return typeof value;
}
