import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { REDIS_URL_ENV } from "../store/redis-url.js";
import { SIGNING_KEY_ENV } from "../protocol/bundle-signature.js";
import { GatewayError } from "./gateway-error.js";
import type { ResourceConfiguration } from "./gateway-config.js";

/** How to start one worker process. */
export interface WorkerProcessOptions {
  /** Ledger id, given to the worker as `TASKLOOM_WORKER_ID` (its consumer name). */
  id: string;
  config: ResourceConfiguration;
  redisUrl: string;
  /** The bundle signing key, given as `TASKLOOM_SIGNING_KEY` (the environment, like the URL). */
  signingKey?: string;
  /** The remote runtime's key prefix (`--prefix`). */
  keyPrefix: string;
  /** The worker's entry script (compiled JS); defaults to this package's `dag-worker`. */
  workerScript: string;
  /** Called with every complete line the worker writes, as it writes it. */
  onLine: (line: string, stream: "out" | "err") => void;
  /** Called once when the process has exited and its output is drained. */
  onExit: (code: number | null, signal: string | null) => void;
}

/** A running worker process. */
export interface WorkerProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Sends a signal to the worker's whole process group (the worker and anything it started). */
  signal(signal: NodeJS.Signals): void;
}

/** The default worker entry: this package's `dag-worker`, which reports to the gateway under `TASKLOOM_GATEWAY=1`. */
export function defaultWorkerScript(): string {
  return fileURLToPath(new URL("../cli/dag-worker.js", import.meta.url));
}

const GUARD = new URL("../worker/child-guard.js", import.meta.url).href;

/**
 * Starts one `dag-worker` for a configuration, in its own process group, with its V8 heap limited
 * to `config.memoryMb` (`--max-old-space-size`; the worker also gets `--memory-mb` for each of its
 * threads), holding at most `config.threads` hand-offs (`--max-held`). The Redis URL goes in the
 * environment (`TASKLOOM_REDIS_URL`), not the command line, which `ps` shows to every user; so
 * does the signing key (`TASKLOOM_SIGNING_KEY`).
 */
export function spawnWorkerProcess(options: WorkerProcessOptions): WorkerProcess {
  const { config } = options;
  const args = [
    `--max-old-space-size=${config.memoryMb}`,
    "--import",
    GUARD,
    options.workerScript,
    "--group",
    config.name,
    "--concurrency",
    String(config.threads),
    "--memory-mb",
    String(config.memoryMb),
    "--prefix",
    options.keyPrefix,
    // A worker never holds more hand-offs than it has threads, nor more tasks.
    "--max-held",
    String(config.threads),
    "--lease-ms",
    String(config.leaseMs),
    "--worker-id",
    options.id,
  ];
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      TASKLOOM_GATEWAY: "1",
      TASKLOOM_WORKER_ID: options.id,
      TASKLOOM_WORKER_GROUP: config.name,
      [REDIS_URL_ENV]: options.redisUrl,
      ...(options.signingKey !== undefined ? { [SIGNING_KEY_ENV]: options.signingKey } : {}),
    },
  });
  if (child.pid === undefined) {
    throw new GatewayError("TL_GATEWAY_SPAWN", `cannot start a worker for configuration "${config.name}" (${options.workerScript})`);
  }
  const pid = child.pid;
  let open = 2;
  let exit: [number | null, string | null] | undefined;
  let reported = false;
  const finish = (): void => {
    if (open > 0 || !exit || reported) return;
    reported = true;
    options.onExit(exit[0], exit[1]);
  };
  for (const [stream, name] of [
    [child.stdout, "out"],
    [child.stderr, "err"],
  ] as const) {
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on("line", (line) => options.onLine(line, name));
    lines.on("close", () => {
      open -= 1;
      finish();
    });
  }
  child.on("exit", (code, signal) => {
    exit = [code, signal];
    // A grandchild holding the pipes open must not delay the exit forever.
    setTimeout(() => {
      if (open > 0) {
        open = 0;
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish();
      }
    }, 1000).unref();
    finish();
  });
  return {
    pid,
    child,
    signal(signal) {
      try {
        process.kill(-pid, signal);
      } catch {
        // The group is already gone.
      }
    },
  };
}
