/**
 * Registers the remote executor behind `run(input, { redis })`. A handle loads it (as its one-file
 * bundle when built) on its first remote run; `@taskloom/runtime`'s index imports it, having loaded
 * the executor anyway. ioredis itself loads on the first connection only.
 *
 * @module
 */
import { registerRemoteExecutor } from "../executor.js";
import { createRemoteExecutor } from "./remote-executor.js";

registerRemoteExecutor((url) => createRemoteExecutor(url));
