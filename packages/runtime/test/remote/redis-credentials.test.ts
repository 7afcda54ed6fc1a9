/**
 * Redis AUTH, ACL and TLS for clients, `dag-worker` and `dag-gateway` processes, on real
 * redis-servers of their own: one whose only usable user has the least rights the runtime needs
 * (the README's `ACL SETUSER` line), one that speaks TLS only with a CA made by openssl here.
 * Credentials never show: not in errors, worker or gateway output, the gateway's status, nor the
 * command lines of the workers a gateway starts.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redactRedisUrl } from "../../dist/store/redis-url.js";
import { startCustomRedisServer, type RedisHandle } from "../../../../test/setup/redis-server.js";
import { makeTlsFiles } from "../../../../test/setup/tls-certs.js";
import { compileForTest, createWorkDir, type CompiledModule } from "../local/compile-for-test.js";
import { runRemoteOutcome } from "./remote-outcome.js";
import { startWorkers, stopWorkers, type WorkerProcess } from "./worker-processes.js";

const fixtures = fileURLToPath(new URL("./fixtures", import.meta.url));
const gatewayFixtures = fileURLToPath(new URL("../gateway/fixtures/workflows", import.meta.url));
const WORKER = fileURLToPath(new URL("../../dist/cli/dag-worker.js", import.meta.url));
const GATEWAY = fileURLToPath(new URL("../../dist/cli/dag-gateway.js", import.meta.url));
const README = fileURLToPath(new URL("../../../../README.md", import.meta.url));

const PASSWORD = "Pw-5ecret-7f3a";
const ADMIN = "Adm1n-9c1e";

/** The README's least-rights ACL rules for user `taskloom` (everything after `ACL SETUSER taskloom`). */
function readmeAclRules(): string[] {
  const line = /^ACL SETUSER taskloom (.+)$/m.exec(readFileSync(README, "utf8"));
  if (!line) throw new Error("README.md has no `ACL SETUSER taskloom ...` line");
  return line[1]!.trim().split(/\s+/);
}

/** A process's output and exit code, once it exited (killed after `timeoutMs`). */
function runToExit(args: string[], env: Record<string, string> = {}, timeoutMs = 15_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Starts `dag-gateway` with one configuration `default`; resolves once it listens. */
async function startGateway(url: string, dir: string, env: Record<string, string> = {}) {
  const file = join(dir, `gateway-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      statusPort: 0,
      pollMs: 25,
      stopGraceMs: 1000,
      configurations: [{ name: "default", memoryMb: 256, threads: 2, maxWorkers: 1, keepAliveMs: 5000 }],
    }),
  );
  const child = spawn(process.execPath, [GATEWAY, "--config", file], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, TASKLOOM_REDIS_URL: url, ...env },
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!/listening on http:\/\/127\.0\.0\.1:(\d+)/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`dag-gateway did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const port = Number(/127\.0\.0\.1:(\d+)/.exec(output)![1]);
  return {
    port,
    pid: child.pid!,
    output: () => output,
    async stop(): Promise<void> {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** The command lines of every process whose parent is `ppid` (from /proc). */
function childCommandLines(ppid: number): string[] {
  const lines: string[] = [];
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (parent === ppid) lines.push(readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " "));
    } catch {
      // gone meanwhile
    }
  }
  return lines;
}

describe("Redis AUTH with the README's least-rights ACL user", () => {
  const work = createWorkDir();
  let server: RedisHandle;
  let mod: CompiledModule;
  let gw: CompiledModule;
  let url: string;
  let workers: WorkerProcess[] = [];

  beforeAll(async () => {
    server = await startCustomRedisServer({
      args: [
        "--user",
        "default",
        "on",
        `>${ADMIN}`,
        "~*",
        "&*",
        "+@all",
        "--user",
        "taskloom",
        ...readmeAclRules().map((r) => r.replace("<password>", PASSWORD)),
      ],
      cli: ["--user", "default", "--pass", ADMIN, "--no-auth-warning"],
    });
    const port = server.ports[0]!;
    url = `redis://taskloom:${PASSWORD}@127.0.0.1:${port}`;
    const compiled = await compileForTest(work.dir, [
      { dir: fixtures, entry: "remote-tasks.ts", name: "remote" },
      { dir: gatewayFixtures, entry: "gateway-tasks.ts", name: "gateway" },
    ]);
    mod = compiled.get("remote")!;
    gw = compiled.get("gateway")!;
  });
  afterAll(async () => {
    await stopWorkers(workers);
    await server?.stop();
    work.dispose();
  });

  it("a client and dag-worker processes run fan-outs, reductions and events as that user", async () => {
    workers = await startWorkers(url, 2);
    const events: string[] = [];
    const outcome = await runRemoteOutcome(mod, "dynamic", 20, url, {}, { onEvent: (e) => events.push(e.type) });
    const incs = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(outcome.result).toEqual({ total: 210, sum: 210, incs });
    expect(events.filter((t) => t === "finished").length).toBeGreaterThanOrEqual(22);
    const failing = runRemoteOutcome(mod, "failing", [1, 3], url);
    await expect(failing).rejects.toMatchObject({ code: "TL_TASK_FAILED" });
    for (const w of workers) {
      expect(w.output()).not.toMatch(/NOPERM|NOAUTH|WRONGPASS/);
      expect(w.output()).not.toContain(PASSWORD);
    }
    await stopWorkers(workers);
    for (const w of workers) expect(w.child.exitCode).toBe(0);
  }, 60_000);

  it("a dag-gateway runs workers and relays logs as that user; no password in its output, status or workers' command lines", async () => {
    const gateway = await startGateway(url, work.dir);
    try {
      const lines: string[] = [];
      const outcome = await runRemoteOutcome(gw, "burst", [1, 2, 3], url, {}, { logs: (line: string) => lines.push(line) });
      expect(outcome.result).toBe(12);
      expect(lines.join("\n")).toContain("on its way");
      const status = await (await fetch(`http://127.0.0.1:${gateway.port}/status`)).text();
      expect(status).not.toContain(PASSWORD);
      const children = childCommandLines(gateway.pid);
      expect(children.join("\n")).toContain("dag-worker.js");
      expect(children.join("\n")).not.toContain(PASSWORD);
      expect(gateway.output()).not.toContain(PASSWORD);
      expect(gateway.output()).not.toMatch(/NOPERM/);
    } finally {
      await gateway.stop();
    }
  }, 60_000);

  it("a wrong password is TL_REDIS_AUTH, with the URL redacted, for a client, a dag-worker and a dag-gateway", async () => {
    const wrong = `redis://taskloom:not-${PASSWORD}@127.0.0.1:${server.ports[0]}`;
    const client = runRemoteOutcome(mod, "chain", 1, wrong);
    await expect(client).rejects.toMatchObject({ code: "TL_REDIS_AUTH", name: "RedisAuthError" });
    const error = (await client.catch((e: Error) => e)) as Error;
    expect(error.message).toContain(`redis://taskloom:***@127.0.0.1:${server.ports[0]}`);
    expect(error.message).not.toContain(PASSWORD);
    expect(error.message).toMatch(/refused the credentials: WRONGPASS/);

    const worker = await runToExit([WORKER, "--redis", wrong]);
    expect(worker.code).toBe(1);
    expect(worker.output).toMatch(/refused the credentials.*\(TL_REDIS_AUTH\)/);
    expect(worker.output).toContain("redis://taskloom:***@");
    expect(worker.output).not.toContain(PASSWORD);

    const dir = mkdtempSync(join(tmpdir(), "tl-gw-auth-"));
    const config = join(dir, "gateway.json");
    writeFileSync(
      config,
      JSON.stringify({ statusPort: 0, configurations: [{ name: "default", memoryMb: 256, threads: 1, maxWorkers: 1, keepAliveMs: 1000 }] }),
    );
    const gateway = await runToExit([GATEWAY, "--redis", wrong, "--config", config]);
    rmSync(dir, { recursive: true, force: true });
    expect(gateway.code).toBe(1);
    expect(gateway.output).toMatch(/refused the credentials.*\(TL_REDIS_AUTH\)/);
    expect(gateway.output).not.toContain(PASSWORD);
  }, 60_000);

  it("no password at all is TL_REDIS_AUTH saying where the credentials go", async () => {
    const bare = `redis://127.0.0.1:${server.ports[0]}`;
    const client = runRemoteOutcome(mod, "chain", 1, bare);
    await expect(client).rejects.toMatchObject({ code: "TL_REDIS_AUTH", message: expect.stringMatching(/redis:\/\/user:password@host:port/) });
  });

  it("redacts the password of any URL it prints", () => {
    expect(redactRedisUrl("redis://app:s3cret@10.0.0.5:6379/2")).toBe("redis://app:***@10.0.0.5:6379/2");
    expect(redactRedisUrl("rediss://:s3cret@h:1?ca=/x.pem")).toBe("rediss://:***@h:1?ca=/x.pem");
    expect(redactRedisUrl("cannot reach redis://u:p@h:1 or rediss://v:q@k:2")).toBe("cannot reach redis://u:***@h:1 or rediss://v:***@k:2");
    expect(redactRedisUrl("redis://h:1")).toBe("redis://h:1");
  });
});

describe("rediss:// against a TLS-only redis-server with a self-signed CA", () => {
  const work = createWorkDir();
  let server: RedisHandle;
  let mod: CompiledModule;
  let gw: CompiledModule;
  let ca: string;
  let url: string;

  beforeAll(async () => {
    const tls = makeTlsFiles(work.dir);
    ca = tls.ca;
    server = await startCustomRedisServer({
      tls: true,
      args: ["--tls-cert-file", tls.cert, "--tls-key-file", tls.key, "--tls-ca-cert-file", tls.ca, "--tls-auth-clients", "no", "--requirepass", PASSWORD],
      cli: ["--tls", "--cacert", tls.ca, "--pass", PASSWORD, "--no-auth-warning"],
    });
    url = `rediss://:${PASSWORD}@127.0.0.1:${server.ports[0]}`;
    const compiled = await compileForTest(work.dir, [
      { dir: fixtures, entry: "remote-tasks.ts", name: "remote" },
      { dir: gatewayFixtures, entry: "gateway-tasks.ts", name: "gateway" },
    ]);
    mod = compiled.get("remote")!;
    gw = compiled.get("gateway")!;
  });
  afterAll(async () => {
    await server?.stop();
    work.dispose();
  });

  it("a client and a dag-worker with the CA in ?ca= run a fan-out", async () => {
    const withCa = `${url}?ca=${encodeURIComponent(ca)}`;
    const workers = await startWorkers(withCa, 1);
    try {
      const outcome = await runRemoteOutcome(mod, "nested", ["a b", "c"], withCa);
      expect(outcome.result).toEqual([
        [
          { word: "A", len: 1 },
          { word: "B", len: 1 },
        ],
        [{ word: "C", len: 1 }],
      ]);
      expect(workers[0]!.output()).not.toContain(PASSWORD);
    } finally {
      await stopWorkers(workers);
    }
  }, 60_000);

  it("a dag-gateway and its workers with the CA in TASKLOOM_REDIS_CA", async () => {
    const gateway = await startGateway(url, work.dir, { TASKLOOM_REDIS_CA: ca });
    const before = process.env.TASKLOOM_REDIS_CA;
    process.env.TASKLOOM_REDIS_CA = ca;
    try {
      const outcome = await runRemoteOutcome(gw, "burst", [4, 5], url);
      expect(outcome.result).toBe(18);
      expect(gateway.output()).not.toContain(PASSWORD);
    } finally {
      if (before === undefined) delete process.env.TASKLOOM_REDIS_CA;
      else process.env.TASKLOOM_REDIS_CA = before;
      await gateway.stop();
    }
  }, 60_000);

  it("without the CA the certificate does not verify: TL_REDIS_UNREACHABLE naming the TLS reason, client and worker", async () => {
    // localhost, not 127.0.0.1: not the connection the client keeps open from the tests above.
    const noCa = `rediss://:${PASSWORD}@localhost:${server.ports[0]}`;
    const client = runRemoteOutcome(mod, "chain", 1, noCa);
    await expect(client).rejects.toMatchObject({ code: "TL_REDIS_UNREACHABLE", message: expect.stringMatching(/certificate.*TASKLOOM_REDIS_CA/) });
    const error = (await client.catch((e: Error) => e)) as Error;
    expect(error.message).not.toContain(PASSWORD);
    const worker = await runToExit([WORKER, "--redis", noCa], { TASKLOOM_REDIS_CA: "" });
    expect(worker.code).toBe(1);
    expect(worker.output).toMatch(/certificate.*\(TL_REDIS_UNREACHABLE\)/);
    expect(worker.output).not.toContain(PASSWORD);
  }, 30_000);
});
