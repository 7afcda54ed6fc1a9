import type { Value } from "@taskloom/sdk/internal";
import { InlineFunctions } from "./inline-functions.js";

/**
 * Builds the run-time value of a concrete {@link Value}: literals are copied (a task may mutate its
 * argument), `input` is the workflow input, `node` reads a task instance's result.
 * Pure and free of Node imports, so a worker thread can assemble arguments from results it holds.
 *
 * @param value - a concrete value: no `element` or `index` kinds.
 * @param input - the workflow's input.
 * @param result - returns the result of a task instance by instance id.
 * @example
 * ```ts
 * resolveValue({ kind: "array", items: [{ value: { kind: "node", node: "n1" } }] }, undefined, () => 42); // [42]
 * ```
 */
export function resolveValue(value: Value, input: unknown, result: (instanceId: string) => unknown, inline = InlineFunctions.none): unknown {
  switch (value.kind) {
    case "literal":
      return typeof value.value === "object" && value.value !== null ? structuredClone(value.value) : value.value;
    case "undefined":
      return undefined;
    case "input":
      return input;
    case "node":
      return result(value.node);
    case "get":
      return readPath(resolveValue(value.of, input, result, inline), value.path);
    case "array": {
      const out: unknown[] = [];
      for (const item of value.items) {
        const v = resolveValue(item.value, input, result, inline);
        if (item.spread) out.push(...(v as Iterable<unknown>));
        else out.push(v);
      }
      return out;
    }
    case "object": {
      const out: Record<string, unknown> = {};
      for (const entry of value.entries) {
        const v = resolveValue(entry.value, input, result, inline);
        if (entry.spread) Object.assign(out, v);
        else out[entry.key] = v;
      }
      return out;
    }
    case "call":
      return inline.evaluate(value, (arg) => resolveValue(arg, input, result, inline));
    case "element":
    case "index":
      throw new Error(`resolveValue: ${value.kind} of map ${value.map} is not concrete`);
  }
}

/** Reads `path` from `target` as `target[p0][p1]...` does, with JavaScript's error for null/undefined. */
export function readPath(target: unknown, path: readonly (string | number)[]): unknown {
  let current = target;
  for (const key of path) {
    if (current === null || current === undefined) {
      throw new TypeError(`Cannot read properties of ${String(current)} (reading '${String(key)}')`);
    }
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}
