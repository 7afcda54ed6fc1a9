// Worker entry of the naive bare-piscina baseline: one tiny operation per call.
// Plain JS because piscina on Node 20 cannot load a .ts worker.

/**
 * @param {{ op: "leaf" | "add" | "inc" | "sum", a: number, b?: number, xs?: number[] }} call
 * @returns {number}
 */
export default function run(call) {
  switch (call.op) {
    case "leaf":
      return call.a;
    case "add":
      return call.a + (call.b ?? 0);
    case "inc":
      return call.a + 1;
    case "sum": {
      let total = 0;
      for (const x of call.xs ?? []) total += x;
      return total;
    }
    default:
      throw new Error(`unknown op ${String(call.op)}`);
  }
}
