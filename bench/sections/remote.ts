import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { formatTable, type Row } from "../lib/table.js";

/** What `bench/remote/index.ts` exports (written by the remote-runtime engineer). */
export interface RemoteBenchModule {
  /** Runs the remote benchmarks; returns printable lines or table rows. */
  benchRemote(options: { runs: number; warmup: number }): Promise<readonly (string | Row)[]>;
}

/**
 * Runs the remote benchmarks when `bench/remote/index.ts` exists and returns the text to print,
 * or a one-line reason when it does not.
 */
export async function benchRemoteSection(runs: number, warmup: number): Promise<string> {
  const entry = fileURLToPath(new URL("../remote/index.ts", import.meta.url));
  if (!existsSync(entry)) return "n/a (bench/remote/index.ts not written yet)";
  const module = (await import(entry)) as Partial<RemoteBenchModule>;
  if (typeof module.benchRemote !== "function") return "n/a (bench/remote/index.ts exports no benchRemote())";
  const out = await module.benchRemote({ runs, warmup });
  const rows = out.filter((x): x is Row => typeof x !== "string");
  const lines = out.filter((x): x is string => typeof x === "string");
  return [...(rows.length > 0 ? [formatTable(rows)] : []), ...lines].join("\n");
}
