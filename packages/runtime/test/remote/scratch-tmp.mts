import { fileURLToPath } from "node:url";
import { compileForTest, createWorkDir } from "../local/compile-for-test.js";
import { startWorkers, stopWorkers } from "./worker-processes.js";
const url = "redis://127.0.0.1:6577";
const work = createWorkDir();
const mod = (await compileForTest(work.dir, [{ dir: fileURLToPath(new URL("./fixtures/", import.meta.url)), entry: "remote-tasks.ts", name: "remote" }])).get("remote")!;
const workers = await startWorkers(url, 2, ["--lease-ms", "1000"]);
const name = process.argv[2] ?? "dynamic"; const input = JSON.parse(process.argv[3] ?? "3");
try {
  console.log("local", JSON.stringify(await mod.handle(name).run(input)));
  const r = await Promise.race([mod.handle(name).run(input, { redis: url }), new Promise((_, rej) => setTimeout(() => rej(new Error("timeout")), 4000))]);
  console.log("remote", JSON.stringify(r));
} catch (e) { console.log("ERR", e); }
for (const w of workers) console.log("----\n" + w.output().split("\n").slice(0, 40).join("\n"));
await stopWorkers(workers); work.dispose();
