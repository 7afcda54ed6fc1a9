/**
 * Starts real `redis-server` processes for tests: one standalone server on a private port, and a
 * 3-node Redis Cluster on loopback. No mocks: a missing binary fails the setup with a hint.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A running redis-server (or cluster) and how to stop it. */
export interface RedisHandle {
  /** `redis://127.0.0.1:<port>` of the server (of the first node for a cluster). */
  url: string;
  ports: number[];
  stop(): Promise<void>;
}

function checkBinary(name: string): void {
  const probe = spawnSync(name, ["--version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `${name} is not installed or not on PATH; the remote runtime tests need a real Redis. ` +
        `Install it with: sudo apt-get install redis-server  (or brew install redis)`,
    );
  }
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** Finds `count` free ports in 6400-6999 (cluster nodes also need port + 10000 free). */
async function freePorts(count: number, cluster: boolean): Promise<number[]> {
  const out: number[] = [];
  const start = 6400 + Math.floor(Math.random() * 500);
  for (let p = start; p < 7000 && out.length < count; p++) {
    if ((await portIsFree(p)) && (!cluster || (await portIsFree(p + 10000)))) out.push(p);
  }
  if (out.length < count) throw new Error(`no ${count} free ports in 6400-6999 for redis-server`);
  return out;
}

async function waitForPing(port: number, child: ChildProcess, log: () => string, cli: string[] = []): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited: ${log()}`);
    const ping = spawnSync("redis-cli", ["-p", String(port), ...cli, "ping"], { encoding: "utf8" });
    if (ping.stdout.trim() === "PONG") return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within 10 s: ${log()}`);
}

async function startNode(port: number, extra: string[], dir: string, cli: string[] = [], tls = false): Promise<ChildProcess> {
  const ports = tls ? ["--port", "0", "--tls-port", String(port)] : ["--port", String(port)];
  const args = [...ports, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, ...extra];
  const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  await waitForPing(port, child, () => out.slice(-2000), cli);
  return child;
}

async function stopAll(children: ChildProcess[], dir: string): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null) return resolve();
          c.once("exit", () => resolve());
          c.kill("SIGTERM");
          setTimeout(() => c.kill("SIGKILL"), 3000).unref();
        }),
    ),
  );
  rmSync(dir, { recursive: true, force: true });
}

/** Starts one standalone redis-server on a free private port. */
export async function startRedisServer(): Promise<RedisHandle> {
  checkBinary("redis-server");
  checkBinary("redis-cli");
  const [port] = (await freePorts(1, false)) as [number];
  const dir = mkdtempSync(join(tmpdir(), "taskloom-redis-"));
  const child = await startNode(port, [], dir);
  return { url: `redis://127.0.0.1:${port}`, ports: [port], stop: () => stopAll([child], dir) };
}

/** What {@link startCustomRedisServer} starts: extra server arguments, and how redis-cli reaches it. */
export interface CustomRedisOptions {
  /** Extra redis-server arguments (`--user`, `--tls-cert-file`, ...). */
  args: string[];
  /** redis-cli arguments for the readiness PING (`--user`, `--pass`, `--tls`, `--cacert`). */
  cli: string[];
  /** Listen with TLS only (`--port 0 --tls-port <port>`). */
  tls?: boolean;
}

/** Starts one standalone redis-server with extra arguments (ACL users, TLS) on a free private port. */
export async function startCustomRedisServer(options: CustomRedisOptions): Promise<RedisHandle> {
  checkBinary("redis-server");
  checkBinary("redis-cli");
  const [port] = (await freePorts(1, false)) as [number];
  const dir = mkdtempSync(join(tmpdir(), "taskloom-redis-"));
  const child = await startNode(port, options.args, dir, options.cli, options.tls);
  return { url: `${options.tls ? "rediss" : "redis"}://127.0.0.1:${port}`, ports: [port], stop: () => stopAll([child], dir) };
}

/** Starts a 3-master Redis Cluster on loopback (no replicas) and waits until it reports ok. */
export async function startRedisCluster(): Promise<RedisHandle> {
  checkBinary("redis-server");
  checkBinary("redis-cli");
  const ports = await freePorts(3, true);
  const dir = mkdtempSync(join(tmpdir(), "taskloom-redis-cluster-"));
  const children: ChildProcess[] = [];
  try {
    for (const port of ports) {
      const nodeDir = join(dir, String(port));
      spawnSync("mkdir", ["-p", nodeDir]);
      children.push(await startNode(port, ["--cluster-enabled", "yes", "--cluster-config-file", join(nodeDir, "nodes.conf")], nodeDir));
    }
    const create = spawnSync("redis-cli", ["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", "0", "--cluster-yes"], {
      encoding: "utf8",
    });
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    const deadline = Date.now() + 15_000;
    for (;;) {
      const info = spawnSync("redis-cli", ["-p", String(ports[0]), "cluster", "info"], { encoding: "utf8" });
      if (info.stdout.includes("cluster_state:ok")) break;
      if (Date.now() > deadline) throw new Error(`Redis Cluster did not reach cluster_state:ok: ${info.stdout}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    await stopAll(children, dir);
    throw error;
  }
  return { url: `redis://127.0.0.1:${ports[0]}`, ports, stop: () => stopAll(children, dir) };
}

/** A redis-server that a test stops, starts again (same port, same data directory), or freezes. */
export interface RestartableRedis {
  url: string;
  port: number;
  /** Stops the server (SIGTERM: with `appendonly`, it writes its AOF first) and waits for its exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory (with its AOF, if persistence is on). */
  start(): Promise<void>;
  /** Freezes it (SIGSTOP): connections stay open, nothing answers. `resume()` thaws it. */
  pause(): void;
  resume(): void;
  /** Stops it and removes its directory. */
  dispose(): Promise<void>;
}

/**
 * Starts a private redis-server that a test may restart: with `persistence`, `--appendonly yes
 * --appendfsync everysec` (a restart keeps the data); without, no AOF and no RDB (a restart comes
 * back empty).
 */
export async function startRestartableRedis(persistence: boolean): Promise<RestartableRedis> {
  checkBinary("redis-server");
  checkBinary("redis-cli");
  const [port] = (await freePorts(1, false)) as [number];
  const dir = mkdtempSync(join(tmpdir(), "taskloom-redis-restart-"));
  const extra = persistence ? ["--appendonly", "yes", "--appendfsync", "everysec"] : [];
  let child: ChildProcess | undefined = await startNode(port, extra, dir);
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    c.kill("SIGCONT");
    await new Promise<void>((resolve) => {
      c.once("exit", () => resolve());
      c.kill("SIGTERM");
      setTimeout(() => c.kill("SIGKILL"), 5000).unref();
    });
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start: async () => {
      if (child) throw new Error("redis-server is running already");
      child = await startNode(port, extra, dir);
    },
    pause: () => child?.kill("SIGSTOP"),
    resume: () => child?.kill("SIGCONT"),
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
