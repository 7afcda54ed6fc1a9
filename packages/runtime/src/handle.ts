/**
 * `@taskloom/runtime/handle`: what a generated `X.dag.ts` imports. Only the handle and the local
 * executor load with it; the remote executor, the dashboard and the history stores load on the
 * first run that asks for them, so that a program's first run does not pay for all of the
 * runtime's import (`npm run bench -- --only first-run`).
 *
 * @module
 */
export { createWorkflowHandle, type WorkflowHandle } from "./client/workflow-handle.js";
