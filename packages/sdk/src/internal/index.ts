/**
 * Internal surface shared by `@taskloom/compiler` and `@taskloom/runtime`: the graph IR and the
 * metadata keys. Not for user code; it may change between minor versions.
 *
 * @module
 * @example
 * ```ts
 * import type { WorkflowIR } from "@taskloom/sdk/internal";
 * ```
 */
export type {
  ArrayItem,
  BranchNode,
  BranchSelect,
  GraphBody,
  GraphNode,
  InlineInfo,
  InlineNode,
  JsonValue,
  MapNode,
  ModuleManifest,
  ObjectEntry,
  ReduceNode,
  SourceLocation,
  TaskInfo,
  TaskNode,
  TaskStream,
  Value,
  WorkflowIR,
} from "./graph-ir.js";
export { INLINE_EXPORT, IR_VERSION, MIN_IR_VERSION } from "./graph-ir.js";
export { TASK_LIST_METADATA_KEY, TASK_METADATA_KEY, WORKFLOW_METADATA_KEY } from "../metadata.js";
export { checkInteger, checkIntegerText, checkKeys, invalidOption, requireInteger, showValue, type OptionFailure } from "../option-checks.js";
