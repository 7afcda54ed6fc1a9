import type { SourceLocation } from "@taskloom/sdk/internal";

/**
 * A run's graph cannot be expanded: a `.map` over something that is not an array, or a
 * `treeReduce` of an empty array. Carries the source location of the offending node.
 */
export class RunGraphError extends Error {
  /** `TL_MAP_NOT_ARRAY` or `TL_EMPTY_REDUCE`. */
  readonly code: string;
  readonly loc: SourceLocation | undefined;

  constructor(code: string, message: string, loc?: SourceLocation) {
    super(loc ? `${message} (at ${loc.file}:${loc.line}:${loc.column})` : message);
    this.name = "RunGraphError";
    this.code = code;
    this.loc = loc;
  }
}
