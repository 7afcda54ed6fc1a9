/**
 * Random workflows of the body language for the compiler fuzzer (fast-check arbitraries): typed
 * expression trees over a fixed task class (numbers, arrays, arrays of arrays, records), rendered
 * to TypeScript with the variables in scope. Shapes: task calls nested in arguments, literals and
 * the input's properties, `.map` with callbacks that use their element, its index or neither,
 * maps over maps and cartesian products, `.flatMap`, `for..of` with `push`, `treeReduce` by a task
 * and by an inline function, projections and destructuring, array and object spreads, inline
 * arithmetic and `.length`. Every array is non-empty and short, so runs stay small.
 */
import fc from "fast-check";

/** The task module every generated workflow calls (its class is `F`). */
export const TASKS = `import { task, treeReduce, workflow } from "@taskloom/sdk";

export class F {
  @task() static inc(x: number): number {
    return x + 1;
  }
  @task() static add(a: number, b: number): number {
    return a + b;
  }
  @task() static sum(xs: number[]): number {
    return xs.reduce((a, b) => a + b, 0);
  }
  @task() static range(n: number): number[] {
    return Array.from({ length: (Math.abs(Math.trunc(n)) % 3) + 1 }, (_, i) => i + n);
  }
  @task() static dbl(xs: number[]): number[] {
    return xs.map((x) => x * 2);
  }
  @task() static flat(xss: number[][]): number[] {
    return xss.flat();
  }
  @task() static nest(x: number): number[][] {
    return [[x], [x, x + 1]];
  }
  @task() static pair(x: number): { a: number; b: number[] } {
    return { a: x, b: [x, x + 1] };
  }
  @task() static mk(a: number, b: number[]): { a: number; b: number[] } {
    return { a, b };
  }
`;

/** The input every generated workflow takes. */
export interface FuzzInput {
  n: number;
  xs: number[];
  o: { a: number; b: number[] };
}

export const inputArb: fc.Arbitrary<FuzzInput> = fc.record({
  n: fc.integer({ min: -5, max: 20 }),
  xs: fc.array(fc.integer({ min: -3, max: 9 }), { minLength: 1, maxLength: 4 }),
  o: fc.record({ a: fc.integer({ min: 0, max: 9 }), b: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 3 }) }),
});

type T = "N" | "A" | "AA" | "O";
/** An expression tree: `k` is its kind, the other fields its parts (sub-trees, or a pick among variables). */
export type Expr = { k: string; [part: string]: unknown };

const pick = fc.nat({ max: 50 });

function exprArbs(): { N: fc.Arbitrary<Expr>; A: fc.Arbitrary<Expr>; AA: fc.Arbitrary<Expr>; O: fc.Arbitrary<Expr> } {
  return fc.letrec<{ N: Expr; A: Expr; AA: Expr; O: Expr }>((tie) => {
    const N = tie("N");
    const A = tie("A");
    const AA = tie("AA");
    const O = tie("O");
    const one = { depthSize: "small" as const, withCrossShrink: true };
    return {
      N: fc.oneof(
        one,
        fc.record({ k: fc.constant("lit"), v: fc.integer({ min: 0, max: 9 }) }),
        fc.record({ k: fc.constant("inN") }),
        fc.record({ k: fc.constant("var"), p: pick }),
        fc.record({ k: fc.constant("inc"), a: N }),
        fc.record({ k: fc.constant("add"), a: N, b: N }),
        fc.record({ k: fc.constant("sum"), a: A }),
        fc.record({ k: fc.constant("projA"), o: O }),
        fc.record({ k: fc.constant("arith"), a: N }),
        fc.record({ k: fc.constant("len"), a: A }),
        fc.record({ k: fc.constant("reduce"), a: A }),
        fc.record({ k: fc.constant("reduceInline"), a: A }),
        fc.record({ k: fc.constant("index"), a: AA }),
      ),
      A: fc.oneof(
        one,
        fc.record({ k: fc.constant("inXs") }),
        fc.record({ k: fc.constant("var"), p: pick }),
        fc.record({ k: fc.constant("lit"), items: fc.array(N, { minLength: 1, maxLength: 3 }) }),
        fc.record({ k: fc.constant("range"), a: N }),
        fc.record({ k: fc.constant("dbl"), a: A }),
        fc.record({ k: fc.constant("flat"), a: AA }),
        fc.record({
          k: fc.constant("map"),
          src: A,
          cb: fc.constantFrom("inc", "add", "index", "ignore", "chain", "pure", "proj", "sumRange"),
          b: N,
        }),
        fc.record({ k: fc.constant("flatMap"), src: A, cb: fc.constantFrom("range", "pairOf") }),
        fc.record({ k: fc.constant("spread"), a: A, b: N }),
        fc.record({ k: fc.constant("projB"), o: O }),
      ),
      AA: fc.oneof(
        one,
        fc.record({ k: fc.constant("var"), p: pick }),
        fc.record({ k: fc.constant("nest"), a: N }),
        fc.record({ k: fc.constant("mapRange"), src: A }),
        fc.record({ k: fc.constant("cart"), a: A, b: A }),
        fc.record({ k: fc.constant("mapmap"), src: AA }),
        fc.record({ k: fc.constant("lit"), items: fc.array(A, { minLength: 1, maxLength: 2 }) }),
      ),
      O: fc.oneof(
        one,
        fc.record({ k: fc.constant("inO") }),
        fc.record({ k: fc.constant("var"), p: pick }),
        fc.record({ k: fc.constant("pair"), a: N }),
        fc.record({ k: fc.constant("mk"), a: N, b: A }),
        fc.record({ k: fc.constant("lit"), a: N, b: A }),
        fc.record({ k: fc.constant("spread"), o: O, a: N }),
      ),
    };
  });
}

/** One statement of a body: a `const`, a destructuring, or a `for..of` loop pushing task results. */
export type Statement = { s: "const"; t: T; e: Expr } | { s: "destructure"; e: Expr } | { s: "loop"; src: Expr; b: Expr };

/** A workflow body: statements, then a returned record of expressions. */
export interface Body {
  statements: Statement[];
  result: { t: T; e: Expr }[];
}

const TYPES: T[] = ["N", "A", "AA", "O"];

export function bodyArb(): fc.Arbitrary<Body> {
  const e = exprArbs();
  const typed = fc.constantFrom(...TYPES).chain((t) => e[t].map((x) => ({ t, e: x })));
  const statement: fc.Arbitrary<Statement> = fc.oneof(
    { weight: 4, arbitrary: typed.map(({ t, e: x }) => ({ s: "const" as const, t, e: x })) },
    { weight: 1, arbitrary: e.O.map((x) => ({ s: "destructure" as const, e: x })) },
    { weight: 1, arbitrary: fc.record({ s: fc.constant("loop" as const), src: e.A, b: e.N }) },
  );
  return fc.record({ statements: fc.array(statement, { maxLength: 4 }), result: fc.array(typed, { minLength: 1, maxLength: 3 }) });
}

/** Variables in scope by type, as a body is rendered. */
type Scope = Record<T, string[]>;

function render(x: Expr, t: T, scope: Scope): string {
  const r = (sub: unknown, st: T): string => render(sub as Expr, st, scope);
  if (x.k === "var") {
    const vars = scope[t];
    if (vars.length > 0) return vars[(x.p as number) % vars.length]!;
    return { N: "input.n", A: "input.xs", AA: "[input.xs]", O: "input.o" }[t];
  }
  switch (`${t}.${x.k}`) {
    case "N.lit":
      return String(x.v);
    case "N.inN":
      return "input.n";
    case "N.inc":
      return `F.inc(${r(x.a, "N")})`;
    case "N.add":
      return `F.add(${r(x.a, "N")}, ${r(x.b, "N")})`;
    case "N.sum":
      return `F.sum(${r(x.a, "A")})`;
    case "N.projA":
      return `${paren(r(x.o, "O"))}.a`;
    case "N.arith":
      return `${paren(r(x.a, "N"))} * 2 + 1`;
    case "N.len":
      return `${paren(r(x.a, "A"))}.length`;
    case "N.reduce":
      return `treeReduce(${r(x.a, "A")}, F.add)`;
    case "N.reduceInline":
      return `treeReduce(${r(x.a, "A")}, (p, q) => p + q)`;
    case "N.index":
      return `F.sum(${paren(r(x.a, "AA"))}[0])`;
    case "A.inXs":
      return "input.xs";
    case "A.lit":
      return `[${(x.items as Expr[]).map((i) => render(i, "N", scope)).join(", ")}]`;
    case "A.range":
      return `F.range(${r(x.a, "N")})`;
    case "A.dbl":
      return `F.dbl(${r(x.a, "A")})`;
    case "A.flat":
      return `F.flat(${r(x.a, "AA")})`;
    case "A.map":
      return `${paren(r(x.src, "A"))}.map(${callback(x.cb as string, r(x.b, "N"))})`;
    case "A.flatMap":
      return `${paren(r(x.src, "A"))}.flatMap(${x.cb === "range" ? "(x) => F.range(x)" : "(x) => [F.inc(x), x]"})`;
    case "A.spread":
      return `[...${paren(r(x.a, "A"))}, ${r(x.b, "N")}]`;
    case "A.projB":
      return `${paren(r(x.o, "O"))}.b`;
    case "AA.nest":
      return `F.nest(${r(x.a, "N")})`;
    case "AA.mapRange":
      return `${paren(r(x.src, "A"))}.map((x) => F.range(x))`;
    case "AA.cart":
      return `${paren(r(x.a, "A"))}.map((x) => ${paren(r(x.b, "A"))}.map((y) => F.add(x, y)))`;
    case "AA.mapmap":
      return `${paren(r(x.src, "AA"))}.map((xs) => xs.map((x) => F.inc(x)))`;
    case "AA.lit":
      return `[${(x.items as Expr[]).map((i) => render(i, "A", scope)).join(", ")}]`;
    case "O.inO":
      return "input.o";
    case "O.pair":
      return `F.pair(${r(x.a, "N")})`;
    case "O.mk":
      return `F.mk(${r(x.a, "N")}, ${r(x.b, "A")})`;
    case "O.lit":
      return `{ a: ${r(x.a, "N")}, b: ${r(x.b, "A")} }`;
    case "O.spread":
      return `{ ...${paren(r(x.o, "O"))}, a: ${r(x.a, "N")} }`;
    default:
      throw new Error(`internal: no rendering of ${t}.${x.k}`);
  }
}

/** Parenthesised unless a plain name or call chain (so `.map`, `.a`, `[0]` apply to the whole). */
function paren(code: string): string {
  return /^[\w.]+(\(.*\))?$/.test(code) && !/^\d/.test(code) && balanced(code) ? code : `(${code})`;
}

function balanced(code: string): boolean {
  let depth = 0;
  for (let i = 0; i < code.length; i++) {
    const c = code[i];
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      depth--;
      if (depth === 0 && i < code.length - 1) return false;
    }
  }
  return depth === 0;
}

function callback(kind: string, b: string): string {
  switch (kind) {
    case "inc":
      return "(x) => F.inc(x)";
    case "add":
      return `(x) => F.add(x, ${b})`;
    case "index":
      return "(x, i) => F.add(x, i)";
    case "ignore":
      return `() => F.inc(${b})`;
    case "chain":
      return "(x) => F.inc(F.inc(x))";
    case "pure":
      return "(x) => x * 3 - 1";
    case "proj":
      return "(x) => F.pair(x).a";
    default:
      return "(x) => F.sum(F.range(x))";
  }
}

/** The workflow method's source (`name(input)`), with its statements and returned record. */
export function renderWorkflow(name: string, body: Body): string {
  const scope: Scope = { N: [], A: [], AA: [], O: [] };
  const lines: string[] = [];
  body.statements.forEach((st, i) => {
    if (st.s === "const") {
      lines.push(`const v${i} = ${render(st.e, st.t, scope)};`);
      scope[st.t].push(`v${i}`);
    } else if (st.s === "destructure") {
      lines.push(`const { a: a${i}, b: b${i} } = ${render(st.e, "O", scope)};`);
      scope.N.push(`a${i}`);
      scope.A.push(`b${i}`);
    } else {
      const src = render(st.src, "A", scope);
      const b = render(st.b, "N", scope);
      lines.push(`const acc${i} = [];`, `for (const x of ${src}) {`, `  acc${i}.push(F.add(x, ${b}));`, "}");
      scope.A.push(`acc${i}`);
    }
  });
  const fields = body.result.map((r, i) => `r${i}: ${render(r.e, r.t, scope)}`);
  lines.push(`return { ${fields.join(", ")} };`);
  return `  @workflow()\n  static ${name}(input: { n: number; xs: number[]; o: { a: number; b: number[] } }) {\n${lines.map((l) => `    ${l}`).join("\n")}\n  }\n`;
}

/** A module with the fixed tasks and the given workflow methods. */
export function renderModule(workflows: string[]): string {
  return `${TASKS}\n${workflows.join("\n")}}\n`;
}

/**
 * Ways to make a body malformed, each of which `dag-compile` must report with a diagnostic (never
 * a crash, never a silent misread): side effects, non-determinism, mutation, reassignment,
 * statements and calls outside the language, and a source cut at a random point (a syntax error).
 */
export const MALFORMATIONS: readonly ((body: string) => string)[] = [
  (b) => b.replace("return", "let z = 1;\n    z++;\n    return"),
  (b) => b.replace("return", "console.log(input);\n    return"),
  (b) => b.replace("return", "const t = Math.random();\n    return"),
  (b) => b.replace("return", "const d = Date.now();\n    return"),
  (b) => b.replace("return", "input.xs.push(1);\n    return"),
  (b) => b.replace("return", "while (input.n > 0) { F.inc(1); }\n    return"),
  (b) => b.replace("return", "try { F.inc(1); } catch { }\n    return"),
  (b) => b.replace("return", "const u = unknownThing(input.n);\n    return"),
  (b) => b.replace("return", "const w = new Map(); w.set(1, 2);\n    return"),
  (b) => b.replace("return", "input.n = 3;\n    return"),
  (b) => b.replace("return", "const s = fetch('http://x');\n    return"),
  (b) => b.replace("return", "const q = [3, 1].sort();\n    return"),
];

/** Index into {@link MALFORMATIONS}, or a cut point as a fraction of the module's length (a syntax error). */
export const malformationArb = fc.oneof(
  fc.nat({ max: MALFORMATIONS.length - 1 }).map((i) => ({ kind: "construct" as const, i })),
  fc.double({ min: 0.3, max: 0.97, noNaN: true }).map((at) => ({ kind: "cut" as const, at })),
);
