/**
 * Registers the remote executor behind `run(input, { redis })`. Loaded on the first remote run
 * only, so that a local-only program never loads ioredis.
 *
 * @module
 */
import { registerRemoteExecutor } from "../executor.js";
import { createRemoteExecutor } from "./remote-executor.js";

registerRemoteExecutor((url) => createRemoteExecutor(url));
