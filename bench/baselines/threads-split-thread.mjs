// Entry of a worker_threads-split thread: TypeScript loading (tsx) in this thread, then the work.
import { register } from "tsx/esm/api";

register();
await import("./threads-split-worker.ts");
