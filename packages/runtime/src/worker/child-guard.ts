/**
 * Preloaded into every worker process the gateway starts (`node --import <this file>`): a tiny
 * thread that kills the process as soon as its parent (the gateway) is gone, even when the
 * gateway was killed with SIGKILL and even when the worker's own main thread is stuck in a task.
 * Nothing else is changed in the worker.
 */
import { Worker } from "node:worker_threads";

const WATCH = `
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) process.kill(process.pid, "SIGKILL"); }, 200);
`;

if (process.env.TASKLOOM_GATEWAY === "1") {
  new Worker(WATCH, { eval: true, name: "taskloom-gateway-guard" }).unref();
}
