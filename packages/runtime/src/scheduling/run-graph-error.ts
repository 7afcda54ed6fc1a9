import type { SourceLocation } from "@taskloom/sdk/internal";
import { RuntimeError } from "../errors.js";

/**
 * A run's graph cannot be expanded: a `.map` over something that is not an array
 * (`TL_MAP_NOT_ARRAY`), or a `treeReduce` of an empty array (`TL_EMPTY_REDUCE`). Carries the
 * source location of the offending node. Local and remote runs throw it alike.
 */
export class RunGraphError extends RuntimeError {
  readonly loc: SourceLocation | undefined;
  /** The message without the location. */
  readonly reason: string;

  /** @param reason - what is wrong; the message appends the location. */
  constructor(code: string, reason: string, loc?: SourceLocation) {
    super(code, loc ? `${reason} (at ${loc.file}:${loc.line}:${loc.column})` : reason);
    this.name = "RunGraphError";
    this.loc = loc;
    this.reason = reason;
  }
}
