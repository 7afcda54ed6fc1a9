import type { BranchSelect, GraphBody } from "@taskloom/sdk/internal";

/**
 * The arm a branch takes for its test's run-time value (see {@link BranchSelect}): `truthy` and
 * `nullish` give 0 or 1; `index` gives the value itself, which must be an arm's position.
 *
 * @example
 * ```ts
 * armOf("truthy", 2, ""); // 1 (the else arm)
 * armOf("index", 3, 2);   // 2
 * ```
 */
export function armOf(select: BranchSelect, arms: number, value: unknown): number {
  switch (select) {
    case "truthy":
      return value ? 0 : 1;
    case "nullish":
      return value === null || value === undefined ? 0 : 1;
    case "index":
      if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value >= arms) {
        throw new Error(`internal: a switch selector gave ${String(value)} for ${arms} arms`);
      }
      return value;
  }
}

/** Whether a graph body has a branch node anywhere (map bodies and arms included). */
export function hasBranches(body: GraphBody): boolean {
  return body.nodes.some((n) => n.kind === "branch" || (n.kind === "map" && hasBranches(n.body)));
}
