import { runInNewContext } from "node:vm";
import { ts } from "ts-morph";
import type { JsonValue, Value } from "@taskloom/sdk/internal";

/** Folded results larger than this (JSON characters) stay inline steps: the manifest stays small. */
const MAX_FOLDED_CHARS = 1024;
/** A constant expression that takes longer than this to evaluate is left to run time. */
const FOLD_TIMEOUT_MS = 50;

/**
 * Evaluates an inline step whose inputs are all literals now, at compile time (it is pure, so the
 * value is the one every run would compute): the generated function applied to the literals, in a
 * fresh V8 context. Returns the value as a literal when it is plain JSON (or `undefined`), else
 * undefined: a Map, NaN, a function, a throw or a large value stay inline steps.
 *
 * @example
 * ```ts
 * foldConstant("($0) => ($0 * 4)", [{ kind: "literal", value: 256 }]); // { kind: "literal", value: 1024 }
 * ```
 */
export function foldConstant(code: string, args: readonly Value[]): Value | undefined {
  let result: unknown;
  try {
    const js = ts.transpileModule(`const __fold = ${code};`, { compilerOptions: { target: ts.ScriptTarget.ES2022 } }).outputText;
    // The arguments are built inside the context too: `instanceof Array` must hold as at run time.
    const literals = args.map((a) => (a.kind === "literal" ? `JSON.parse(${JSON.stringify(JSON.stringify(a.value))})` : "undefined"));
    result = runInNewContext(`${js}\n__fold(${literals.join(", ")});`, {}, { timeout: FOLD_TIMEOUT_MS });
  } catch {
    return undefined;
  }
  if (result === undefined) return { kind: "undefined" };
  if (!isPlainJson(result, 0)) return undefined;
  const text = JSON.stringify(result);
  if (text.length > MAX_FOLDED_CHARS) return undefined;
  return { kind: "literal", value: JSON.parse(text) as JsonValue };
}

/** Whether JSON keeps `v` exactly: finite numbers, strings, booleans, null, dense arrays and plain objects of them. */
function isPlainJson(v: unknown, depth: number): boolean {
  if (depth > 32) return false;
  if (v === null || typeof v === "string" || typeof v === "boolean") return true;
  if (typeof v === "number") return Number.isFinite(v) && !Object.is(v, -0);
  if (typeof v !== "object") return false;
  const proto = Object.getPrototypeOf(v) as object | null;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!(i in v) || !isPlainJson(v[i], depth + 1)) return false;
    return true;
  }
  // A plain object of the evaluation's context: its prototype is that context's Object.prototype.
  if (proto !== null && Object.getPrototypeOf(proto) !== null) return false;
  return Object.values(v).every((x) => x !== undefined && isPlainJson(x, depth + 1));
}
