/**
 * The graph IR: what `dag-compile` extracts from a `@workflow` body and what every runtime runs.
 * Plain JSON (no classes, no functions), so it travels in manifests, Redis and thread messages.
 *
 * A workflow is a list of nodes in source (topological) order plus a result {@link Value}.
 * Nodes reference each other only through values of kind `node`. Dynamic fan-outs are `map`
 * nodes whose `body` is a template graph instantiated once per element when the runtime knows the
 * length; `reduce` nodes are `treeReduce` calls expanded into a balanced tree of task calls;
 * `inline` nodes are pure expressions of the body, computed by a generated function of the
 * bundle wherever their readers' arguments are assembled; `branch` nodes are conditionals whose
 * arms are sub-graphs, only the taken one instantiated once its test's value is known.
 */

import type { TaskOptions, WorkflowOptions } from "../options.js";

/** A JSON value, as written in the workflow's source (literals only). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Where a node or value came from in the user's source (1-based line and column). */
export interface SourceLocation {
  /** Path relative to the manifest's module root, with forward slashes. */
  file: string;
  line: number;
  column: number;
}

/**
 * A value expression: how to build an argument or a result from literals, the workflow input,
 * map elements and node results.
 *
 * - `literal`: a JSON literal; `undefined`: the `undefined` value.
 * - `input`: the workflow's input (the single parameter of the workflow method).
 * - `element` / `index`: the element and index of the enclosing map whose node id is `map`.
 * - `node`: the result of node `node` (a task's return value, a map's array, a reduce's result).
 * - `get`: a property path into another value (`r.left`, `r[0]`, destructuring).
 * - `array` / `object`: literals nesting other values, with spreads.
 * - `call`: the result of the generated inline function `fn` (a key of
 *   {@link ModuleManifest.inline}) applied to `args`: what an {@link InlineNode} stands for.
 */
export type Value =
  | { kind: "literal"; value: JsonValue }
  | { kind: "undefined" }
  | { kind: "input" }
  | { kind: "element"; map: string }
  | { kind: "index"; map: string }
  | { kind: "node"; node: string }
  | { kind: "get"; of: Value; path: (string | number)[] }
  | { kind: "array"; items: ArrayItem[] }
  | { kind: "object"; entries: ObjectEntry[] }
  | { kind: "call"; fn: string; args: Value[] };

/** An item of an array value; `spread: true` inserts every element of `value` (`...xs`). */
export interface ArrayItem {
  spread?: boolean;
  value: Value;
}

/** An entry of an object value: a keyed property, or a spread (`...obj`) when `spread` is true. */
export type ObjectEntry = { key: string; value: Value; spread?: undefined } | { spread: true; value: Value };

/** A call of a `@task` method. Its result is the task's (awaited) return value. */
export interface TaskNode {
  kind: "task";
  /** Unique within the workflow, including nodes inside map bodies (e.g. `n3`). */
  id: string;
  /** Stable task id, `file#Class.method`, a key of {@link ModuleManifest.tasks}. */
  task: string;
  /** The call's arguments: always an `array` value (spreads allowed: `T(...xs)`). */
  args: Value;
  loc: SourceLocation;
}

/**
 * A dynamic fan-out: `over.map(cb)` / `over.flatMap(cb)` or a `for..of` loop pushing into an array.
 * Its result is the array of `body.result` per element (flattened one level when `flat`).
 */
export interface MapNode {
  kind: "map";
  id: string;
  /** The array mapped over. */
  over: Value;
  /** `flatMap` (and `for..of` loops) flatten each element's result array one level. */
  flat: boolean;
  /** The callback as a template graph; `element`/`index` values with `map: id` refer to it. */
  body: GraphBody;
  loc: SourceLocation;
}

/**
 * `treeReduce(items, combine)`: a balanced pairwise reduction, by the task `task`
 * (`treeReduce(xs, Class.method)`), or by the inline function `fn` (`treeReduce(xs, (a, b) => a + b)`)
 * called as `fn(left, right, ...args)`.
 */
export type ReduceNode = {
  kind: "reduce";
  id: string;
  items: Value;
  loc: SourceLocation;
} & ({ task: string; fn?: undefined; args?: undefined } | { fn: string; args: Value[]; task?: undefined });

/**
 * An inline step: a maximal pure expression of the body (`a + b`, `` `${r.name}-${n}` ``,
 * `xs.filter((x) => x > 0)`), compiled into the generated function `fn` of the module's bundle.
 * Its result is `fn(...args)`. It is never scheduled as a task: readers see it as a `call` value,
 * computed where their own arguments are assembled, that is where its inputs already are.
 */
export interface InlineNode {
  kind: "inline";
  id: string;
  /** Stable id of the generated function, `file#Class.workflow$n`, a key of {@link ModuleManifest.inline}. */
  fn: string;
  args: Value[];
  loc: SourceLocation;
}

/**
 * How a branch's test value picks an arm: `truthy` takes `arms[0]` when the value is truthy and
 * `arms[1]` otherwise (`if`, `?:`, `&&`, `||`); `nullish` takes `arms[0]` when it is null or
 * undefined and `arms[1]` otherwise (`??`); `index` takes `arms[value]` (`switch`, whose test is
 * a generated function returning the matching clause's position).
 */
export type BranchSelect = "truthy" | "nullish" | "index";

/**
 * A conditional: `if`/`else`, `switch`, `?:`, `&&`/`||`/`??` whose operands call tasks. Its result is
 * the taken arm's result. The arms are sub-graphs (node ids unique in the workflow); only the taken
 * one is instantiated, when the test's value is known, like a dynamic fan-out; the tasks of the
 * others never run (they are reported as skipped).
 */
export interface BranchNode {
  kind: "branch";
  id: string;
  test: Value;
  select: BranchSelect;
  arms: GraphBody[];
  loc: SourceLocation;
}

export type GraphNode = TaskNode | MapNode | ReduceNode | InlineNode | BranchNode;

/** A list of nodes in topological order and the value they produce. */
export interface GraphBody {
  nodes: GraphNode[];
  result: Value;
}

/** One `@workflow` method. */
export interface WorkflowIR extends GraphBody {
  /** The method's name: the name of the generated handle. */
  name: string;
  /** The class that declares the workflow. */
  className: string;
  /** Whether the method declares an input parameter. */
  hasInput: boolean;
  /** The `@workflow(...)` options, as validated by the SDK; absent when it has none. */
  options?: WorkflowOptions;
  loc: SourceLocation;
}

/** Where a task's code lives: an export of the module's bundle, and the static method on it. */
export interface TaskInfo {
  /** Export name of the class in the bundle. */
  exportName: string;
  /** Static method name. */
  method: string;
  /**
   * The `@task(...)` options (retries, timeoutMs, memoryMb, name, ...), evaluated and validated by
   * `dag-compile`; absent when the decorator has none. Runtimes read task options here, never by
   * importing the bundle.
   */
  options?: TaskOptions;
  /**
   * Output streaming, from the method's declared types (absent for an ordinary task): `output` when
   * it returns an `AsyncIterable` (an `async *` method, `AsyncGenerator`, `ReadableStream`, or a
   * `Promise` of one), whose chunks its one reader takes as they come; `params`, the positions of its
   * `AsyncIterable` parameters, each fed by a streaming task's output.
   */
  stream?: TaskStream;
  loc: SourceLocation;
}

/** How a task takes part in output streaming (see {@link TaskInfo.stream}). */
export interface TaskStream {
  output?: true;
  params?: number[];
}

/**
 * An inline step's generated function. Worker threads take it from the bundle (export
 * {@link INLINE_EXPORT}); main threads (clients, workers' schedulers), which never import a bundle,
 * build it from `js`: a pure arrow function over its parameters and JavaScript's built-ins only.
 */
export interface InlineInfo {
  /** Where the expression is in the user's source. */
  loc: SourceLocation;
  /** The function's JavaScript source: an arrow function expression. */
  js: string;
}

/**
 * Name of the bundle export holding the inline steps' generated functions: an object from
 * function id to `{ loc, run }`, where `loc` is `file:line:column` and `run` the function.
 */
export const INLINE_EXPORT = "__taskloom_inline";

/** Everything `dag-compile` produces for one source module. */
export interface ModuleManifest {
  /** IR format version ({@link IR_VERSION}); runtimes refuse versions they do not know. */
  version: typeof MIN_IR_VERSION | typeof IR_VERSION;
  /** The source module, relative to the project root. */
  source: string;
  /** The task bundle: an ES module exporting every class whose tasks the workflows call. */
  bundle: {
    /** File name of the bundle, relative to the manifest (e.g. `wordcount.3f9a1c2b.mjs`). */
    file: string;
    /** Content hash (hex SHA-256 prefix) of the bundle's bytes; also in the file name. */
    hash: string;
    bytes: number;
  };
  /** Every task a workflow of this module calls, by stable task id. */
  tasks: Record<string, TaskInfo>;
  /** Every inline step's generated function, by function id (absent when there is none). */
  inline?: Record<string, InlineInfo>;
  workflows: WorkflowIR[];
}

/**
 * The current IR version. 3: tasks may stream (`TaskInfo.stream`); `dag-compile` writes 3 only for a
 * module with a streaming task, and 2 otherwise, so that runtimes that know only 2 still run every
 * module without streams. 2: task and workflow options travel in the manifest (`TaskInfo.options`,
 * `WorkflowIR.options`); 1 had none (runtimes read them from the bundle's decorators).
 */
export const IR_VERSION = 3 as const;

/** The oldest IR version this SDK's runtimes run (a manifest without streaming tasks). */
export const MIN_IR_VERSION = 2 as const;
