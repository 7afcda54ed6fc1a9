/**
 * The table of compiler diagnostic codes. Each entry has a stable code (`TL1xxx`) and a default
 * hint telling the user how to rewrite the code so that it compiles.
 */
export interface DiagnosticCodeInfo {
  readonly code: string;
  readonly hint: string;
}

/** Every diagnostic the analysis can report, by symbolic name. */
export const DIAGNOSTIC_CODES = {
  nonTaskCall: {
    code: "TL1001",
    hint: "call a @task, or a pure built-in (Math.*, String/Number methods, non-mutating array methods); move other code into a @task",
  },
  operator: { code: "TL1002", hint: "write it without this operator, or compute it inside a @task" },
  letOrVar: { code: "TL1003", hint: "declare values with const; a workflow never changes a binding" },
  reassignment: { code: "TL1004", hint: "bind a new const instead of changing an existing one" },
  controlFlow: {
    code: "TL1005",
    hint: "decide with if/else, switch or ?: (they compile); move try/catch and throw into a @task",
  },
  loop: { code: "TL1006", hint: "use xs.map((x) => ...) or `for (const x of xs) acc.push(...)` into a const array" },
  callbackArgument: { code: "TL1007", hint: "functions cannot be passed to tasks; call the other task in the workflow" },
  mapNotArray: { code: "TL1008", hint: ".map/.flatMap need an array: the input, a task result or an array literal" },
  unknownIdentifier: {
    code: "TL1009",
    hint: "a workflow may use its input, its own const bindings, task results and module-level literal consts",
  },
  thisOutsideCall: { code: "TL1010", hint: "use `this` only to call a task: this.method(...)" },
  newExpression: { code: "TL1011", hint: "create objects inside a @task" },
  workflowParameters: {
    code: "TL1012",
    hint: "a workflow takes at most one input, a plain identifier; pass an object to give it several values",
  },
  workflowCall: { code: "TL1013", hint: "call the other workflow's tasks directly, or run it with its own handle" },
  classNotExported: { code: "TL1014", hint: "export the class so that workers can load its tasks" },
  reduceCombine: { code: "TL1015", hint: "pass a task method reference: treeReduce(items, Class.method)" },
  nonStatic: { code: "TL1016", hint: "write it as a static method" },
  topLevelEffect: {
    code: "TL1017",
    hint: "this would run again in every worker: move it into a function or a @task",
  },
  mapCallback: {
    code: "TL1018",
    hint: "pass an inline callback with at most two parameters: xs.map((x, i) => Class.task(x, i))",
  },
  accumulator: {
    code: "TL1019",
    hint: "push into one const array declared before the loop: `const acc = []; for (const x of xs) acc.push(...)`",
  },
  unsupportedExpression: { code: "TL1020", hint: "move this computation into a @task" },
  unsupportedStatement: {
    code: "TL1021",
    hint: "a workflow body may contain const declarations, task calls, if/switch, for..of loops that push, and return",
  },
  decoratorForm: { code: "TL1022", hint: "call the decorator: @task() or @workflow()" },
  unreachable: { code: "TL1023", hint: "remove the code after return" },
  unresolvedClass: {
    code: "TL1024",
    hint: "import the task class from a relative path of this project",
  },
  decoratorOptions: {
    code: "TL1025",
    hint: "write decorator options with literals, module-level literal consts and arithmetic: @task({ timeoutMs: 5 * 60_000 })",
  },
  invalidOption: { code: "TL1026", hint: "see the TaskOptions and WorkflowOptions of @taskloom/sdk" },
  nondeterministic: {
    code: "TL1027",
    hint: "call it inside a @task and pass its result on: a workflow body computes the same values in every run and every process",
  },
  sideEffect: { code: "TL1028", hint: "do I/O and logging inside a @task; a workflow body only computes values" },
  mutation: {
    code: "TL1029",
    hint: "use a form that returns a new value (toSorted, toReversed, [...xs, x], { ...o, k: v }), or change it inside a @task",
  },
  awaitNonTask: { code: "TL1030", hint: "await task calls, or Promise.all of them; use other values as they are" },
  taskInCallback: {
    code: "TL1031",
    hint: "call the task in a .map first, then filter or combine its results: xs.map((x) => T.check(x)) ...",
  },
  branchCondition: {
    code: "TL1032",
    hint: "compute the value before the branch: const v = T.task(x); switch (v) { ... }",
  },
  syntaxError: { code: "TL1033", hint: "fix the syntax error (the module must parse as TypeScript)" },
  streamUse: {
    code: "TL1034",
    hint: "pass a streaming task's result (AsyncIterable, ReadableStream) directly to one AsyncIterable parameter of a task; collect it into an array inside that task for other uses",
  },
} as const satisfies Record<string, DiagnosticCodeInfo>;

/** Symbolic name of a diagnostic code, e.g. `"nonTaskCall"`. */
export type DiagnosticKind = keyof typeof DIAGNOSTIC_CODES;
