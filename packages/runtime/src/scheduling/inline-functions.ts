import { INLINE_EXPORT, type ModuleManifest, type Value } from "@taskloom/sdk/internal";
import { RuntimeError } from "../errors.js";

/** A `call` value: an inline step's generated function applied to argument values. */
export type CallValue = Extract<Value, { kind: "call" }>;

/** One generated function of a bundle's inline steps, as the bundle exports it. */
export interface InlineEntry {
  /** Where the expression is in the user's source: `file:line:column`. */
  readonly loc: string;
  readonly run: (...args: unknown[]) => unknown;
}

/**
 * An inline step threw: its pure expression failed on the run's values (`r.items.length` with
 * `r.items` undefined), as the direct call of the workflow would at the same place.
 */
export class InlineStepError extends RuntimeError {
  /** The generated function's id, `file#Class.workflow$n`. */
  readonly fn: string;
  /** `file:line:column` of the expression. */
  readonly loc: string;

  constructor(fn: string, loc: string, cause: unknown) {
    const message = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super("TL_INLINE_FAILED", `the expression at ${loc} (inline step ${fn}) threw ${message}`, { cause });
    this.name = "InlineStepError";
    this.fn = fn;
    this.loc = loc;
  }
}

/**
 * The generated functions of one task bundle, by id: evaluates `call` values. With `memo`, each
 * `call` value object is evaluated once (every element of a fan-out over `xs.filter(p)` reads the
 * same object); only where results are not handed to code that may mutate them.
 *
 * @example
 * ```ts
 * const inline = InlineFunctions.fromModule(await import(bundleUrl));
 * resolveValue({ kind: "call", fn: "a.ts#A.w$1", args: [{ kind: "input" }] }, 20, () => undefined, inline);
 * ```
 */
export class InlineFunctions {
  /** No function at all: evaluating a `call` value fails (a manifest without inline steps). */
  static readonly none = new InlineFunctions({});

  private readonly memo: WeakMap<Value, unknown> | undefined;

  constructor(
    private readonly table: Readonly<Record<string, InlineEntry | undefined>>,
    memo = false,
  ) {
    this.memo = memo ? new WeakMap() : undefined;
  }

  /** The functions a loaded bundle exports (none when it has no inline steps). */
  static fromModule(mod: Readonly<Record<string, unknown>>, memo = false): InlineFunctions {
    const table = mod[INLINE_EXPORT] as Record<string, InlineEntry> | undefined;
    return table ? new InlineFunctions(table, memo) : memo ? new InlineFunctions({}, true) : InlineFunctions.none;
  }

  /** The same functions with a memo of their own (for one run). */
  withMemo(): InlineFunctions {
    return new InlineFunctions(this.table, true);
  }

  /** Whether the bundle has function `fn`. */
  has(fn: string): boolean {
    return typeof this.table[fn]?.run === "function";
  }

  /** `fn(...args)` of a call value, its arguments read by `resolve`; wraps what the function throws. */
  evaluate(value: CallValue, resolve: (arg: Value) => unknown): unknown {
    const memo = this.memo;
    if (memo?.has(value)) return memo.get(value);
    const entry = this.table[value.fn];
    if (entry === undefined) {
      throw new RuntimeError("TL_INLINE_MISSING", `the task bundle has no inline function ${value.fn}: run dag-compile again`);
    }
    const args = new Array<unknown>(value.args.length);
    for (let i = 0; i < args.length; i++) args[i] = resolve(value.args[i] as Value);
    let out: unknown;
    try {
      out = entry.run(...args);
    } catch (error) {
      throw new InlineStepError(value.fn, entry.loc, error);
    }
    memo?.set(value, out);
    return out;
  }
}

const fromManifests = new WeakMap<ModuleManifest, InlineFunctions>();

/**
 * The inline functions of a manifest, built once per manifest object from their JavaScript (see
 * `InlineInfo.js`): what a main thread uses, since it never imports the task bundle. Each is a pure
 * arrow function over its parameters and JavaScript's built-ins.
 */
export function manifestInline(manifest: ModuleManifest): InlineFunctions {
  let inline = fromManifests.get(manifest);
  if (!inline) {
    const table: Record<string, InlineEntry> = {};
    for (const [id, info] of Object.entries(manifest.inline ?? {})) {
      let run: (...args: unknown[]) => unknown;
      try {
        run = new Function(`"use strict"; return (${info.js});`)() as (...args: unknown[]) => unknown;
      } catch (error) {
        throw new RuntimeError(
          "TL_MANIFEST",
          `the manifest of ${manifest.source} has a broken inline function ${id}: ${(error as Error).message}; run dag-compile again`,
          { cause: error },
        );
      }
      table[id] = { loc: `${info.loc.file}:${info.loc.line}:${info.loc.column}`, run };
    }
    inline = Object.keys(table).length > 0 ? new InlineFunctions(table) : InlineFunctions.none;
    fromManifests.set(manifest, inline);
  }
  return inline;
}
