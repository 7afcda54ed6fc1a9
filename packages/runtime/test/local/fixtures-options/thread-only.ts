// Loaded with the bundle: refuses the main thread, so a run proves that only worker threads import it.
import { isMainThread } from "node:worker_threads";

function check(): boolean {
  if (isMainThread) throw new Error("the main thread imported the task bundle");
  return true;
}

export const threadOnly = check();
