/**
 * What an inline step (a pure expression of a workflow body) may call: built-ins that compute a
 * value from their arguments and nothing else, the same in every run and every process. Read by
 * name only (the analysis has no type checker), so a method name is allowed on any receiver.
 */

/** Global functions that are pure. */
export const PURE_GLOBAL_FUNCTIONS: ReadonlySet<string> = new Set([
  "Number",
  "String",
  "Boolean",
  "BigInt",
  "parseInt",
  "parseFloat",
  "isNaN",
  "isFinite",
  "encodeURIComponent",
  "decodeURIComponent",
  "encodeURI",
  "decodeURI",
  "structuredClone",
]);

/** Pure static members of global namespaces; `*` allows every member. */
export const PURE_NAMESPACES: Readonly<Record<string, ReadonlySet<string> | "*">> = {
  Math: "*",
  JSON: new Set(["stringify", "parse"]),
  Number: new Set([
    "isInteger",
    "isFinite",
    "isNaN",
    "isSafeInteger",
    "parseFloat",
    "parseInt",
    "MAX_SAFE_INTEGER",
    "MIN_SAFE_INTEGER",
    "EPSILON",
    "MAX_VALUE",
    "MIN_VALUE",
    "POSITIVE_INFINITY",
    "NEGATIVE_INFINITY",
    "NaN",
  ]),
  String: new Set(["fromCharCode", "fromCodePoint", "raw"]),
  Object: new Set(["keys", "values", "entries", "fromEntries", "is", "hasOwn", "getOwnPropertyNames", "groupBy"]),
  Array: new Set(["isArray", "from", "of"]),
  Map: new Set(["groupBy"]),
  Date: new Set(["UTC", "parse"]),
};

/** Members of pure namespaces that are not deterministic. */
export const NON_DETERMINISTIC_MEMBERS: Readonly<Record<string, string>> = {
  "Math.random": "Math.random() gives another number in every run",
  "Date.now": "Date.now() reads the clock: another value in every run",
};

/** Global constructors an inline step may use with `new` (built-in values, not user classes). */
export const PURE_CONSTRUCTORS: ReadonlySet<string> = new Set(["Map", "Set", "Array", "Date", "RegExp", "URL", "URLSearchParams"]);

/** Globals that are plain values. */
export const PURE_GLOBAL_VALUES: ReadonlySet<string> = new Set(["undefined", "NaN", "Infinity"]);

/** Methods that read their receiver and return a new value (strings, arrays, numbers, maps, sets, dates). */
export const PURE_METHODS: ReadonlySet<string> = new Set([
  // strings
  "at",
  "charAt",
  "charCodeAt",
  "codePointAt",
  "concat",
  "endsWith",
  "includes",
  "indexOf",
  "lastIndexOf",
  "match",
  "matchAll",
  "normalize",
  "padEnd",
  "padStart",
  "repeat",
  "replace",
  "replaceAll",
  "search",
  "slice",
  "split",
  "startsWith",
  "substring",
  "substr",
  "toLowerCase",
  "toUpperCase",
  "trim",
  "trimStart",
  "trimEnd",
  "toString",
  "valueOf",
  // arrays
  "every",
  "some",
  "filter",
  "find",
  "findIndex",
  "findLast",
  "findLastIndex",
  "flat",
  "flatMap",
  "map",
  "join",
  "keys",
  "values",
  "entries",
  "reduce",
  "reduceRight",
  "toReversed",
  "toSorted",
  "toSpliced",
  "with",
  // numbers
  "toFixed",
  "toPrecision",
  "toExponential",
  // maps and sets
  "get",
  "has",
  // dates (of a given time)
  "getTime",
  "toISOString",
  "getUTCFullYear",
  "getUTCMonth",
  "getUTCDate",
  "getUTCDay",
  "getUTCHours",
  "getUTCMinutes",
  "getUTCSeconds",
  "getUTCMilliseconds",
  // regular expressions
  "test",
  "exec",
]);

/** Methods that change their receiver. */
export const MUTATING_METHODS: ReadonlySet<string> = new Set([
  "push",
  "pop",
  "shift",
  "unshift",
  "splice",
  "sort",
  "reverse",
  "fill",
  "copyWithin",
  "set",
  "add",
  "delete",
  "clear",
  "setTime",
  "assign",
  "defineProperty",
  "freeze",
]);

/** Globals that do I/O, read the environment or the clock, or are not deterministic: why each is refused. */
export const FORBIDDEN_GLOBALS: Readonly<Record<string, { kind: "sideEffect" | "nondeterministic"; why: string }>> = {
  console: { kind: "sideEffect", why: "console writes output" },
  process: { kind: "sideEffect", why: "process reads and changes the worker's environment" },
  fetch: { kind: "sideEffect", why: "fetch does I/O" },
  require: { kind: "sideEffect", why: "require loads code at run time" },
  globalThis: { kind: "sideEffect", why: "globalThis reaches the worker's global state" },
  window: { kind: "sideEffect", why: "window reaches global state" },
  setTimeout: { kind: "sideEffect", why: "setTimeout schedules work outside the graph" },
  setInterval: { kind: "sideEffect", why: "setInterval schedules work outside the graph" },
  setImmediate: { kind: "sideEffect", why: "setImmediate schedules work outside the graph" },
  queueMicrotask: { kind: "sideEffect", why: "queueMicrotask schedules work outside the graph" },
  eval: { kind: "sideEffect", why: "eval runs code built at run time" },
  Function: { kind: "sideEffect", why: "Function builds code at run time" },
  Reflect: { kind: "sideEffect", why: "Reflect reads and changes objects' internals" },
  Symbol: { kind: "nondeterministic", why: "Symbol() makes a value unique to one process" },
  crypto: { kind: "nondeterministic", why: "crypto gives other values in every run" },
  performance: { kind: "nondeterministic", why: "performance reads the clock" },
};
