#!/usr/bin/env node
/**
 * `dag-history list|show|clear [--redis <url> [--prefix <p>] | --file <history.sqlite>] [--json]`:
 * lists the workflow structures a history holds, shows one (samples per task and configuration,
 * latest runs, a kept run's plan with `--run <id>`), or clears one (`clear <workflow>`) or all
 * (`clear --all`). Without `--redis` or `--file` it opens `.taskloom/history.sqlite`.
 */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { HistoryError } from "../errors.js";
import { formatRunDetail, formatStructure, formatWorkflowList } from "../history/history-format.js";
import type { HistoryStore } from "../history/history-store.js";
import type { WorkflowHistory } from "../history/history-types.js";
import { createSqliteHistory } from "../history/sqlite-history-store.js";
import { createRedisHistory } from "../store/redis-history-store.js";
import { REDIS_URL_ENV, redactRedisUrl } from "../store/redis-url.js";

const DEFAULT_FILE = ".taskloom/history.sqlite";
const USAGE = `usage: dag-history list [--json]
       dag-history show <workflow|structure> [--run <runId>] [--json]
       dag-history clear <workflow|structure> | --all
  where: --redis <url> [--prefix <p>] (or ${REDIS_URL_ENV}), or --file <history.sqlite> (default ${DEFAULT_FILE})`;

class UsageError extends Error {}

/** Opens the history the flags name; a SQLite file must exist (listing a typo'd path must not create it). */
async function openHistory(values: { redis?: string | undefined; file?: string | undefined; prefix?: string | undefined }): Promise<HistoryStore> {
  if (values.redis !== undefined && values.file !== undefined) throw new UsageError("give --redis or --file, not both");
  const redis = values.file === undefined ? (values.redis ?? process.env[REDIS_URL_ENV]) : undefined;
  if (redis !== undefined) return createRedisHistory(redis, values.prefix !== undefined ? { prefix: values.prefix } : {});
  if (values.prefix !== undefined) throw new UsageError("--prefix is for a Redis history (--redis)");
  const file = resolve(values.file ?? DEFAULT_FILE);
  if (!existsSync(file)) {
    throw new HistoryError(
      `no history file ${file}${values.file === undefined ? ` (planned runs record into Redis unless run() was given history: "<file>"; use --redis <url> or --file <path>)` : ""}`,
    );
  }
  if (!statSync(file).isFile()) throw new HistoryError(`${file} is not a file`);
  return createSqliteHistory(file);
}

/** The structure `name` selects: a structure id (or a unique prefix of one), a workflow name, or `Class.workflow`. */
function select(workflows: WorkflowHistory[], name: string, location: string): WorkflowHistory {
  const exact = workflows.find((w) => w.structure === name);
  if (exact) return exact;
  const matches = workflows.filter((w) => w.structure.startsWith(name) || w.workflow === name || `${w.className}.${w.workflow}` === name);
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) {
    const known = workflows.map((w) => `${w.className}.${w.workflow} (${w.structure})`).join(", ");
    throw new HistoryError(`history ${location} has no workflow or structure ${JSON.stringify(name)}${known ? `; it has: ${known}` : " (it is empty)"}`);
  }
  throw new HistoryError(
    `${JSON.stringify(name)} names ${matches.length} structures in history ${location} (the workflow changed between runs): ${matches.map((w) => w.structure).join(", ")}; give one`,
  );
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      redis: { type: "string" },
      prefix: { type: "string" },
      file: { type: "string" },
      run: { type: "string" },
      all: { type: "boolean" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [command, name, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected ${JSON.stringify(rest[0])}`);
  if (command !== "list" && command !== "show" && command !== "clear") {
    throw new UsageError(command === undefined ? "a command is required" : `unknown command ${JSON.stringify(command)}`);
  }
  if (command === "list" && name !== undefined) throw new UsageError(`list takes no argument, got ${JSON.stringify(name)}`);
  if (command === "show" && name === undefined) throw new UsageError("show needs a workflow name or structure");
  if (command === "clear" && (name === undefined) === !values.all) throw new UsageError("clear needs a workflow name or structure, or --all (not both)");
  if (values.run !== undefined && command !== "show") throw new UsageError("--run is for show");
  if (values.all && command !== "clear") throw new UsageError("--all is for clear");
  const history = await openHistory(values);
  try {
    const workflows = await history.workflows();
    if (command === "list") {
      console.log(values.json ? JSON.stringify(workflows, null, 2) : formatWorkflowList(history.location, workflows));
      return 0;
    }
    if (command === "clear" && values.all) {
      const n = await history.clear();
      console.log(`cleared history ${history.location}: ${n} workflow structure(s)`);
      return 0;
    }
    const w = select(workflows, name!, history.location);
    if (command === "clear") {
      await history.clear(w.structure);
      console.log(`cleared ${w.className}.${w.workflow} (${w.structure}, ${w.runs} run(s)) from history ${history.location}`);
      return 0;
    }
    if (values.run !== undefined) {
      const detail = await history.run(w.structure, values.run);
      if (!detail) {
        const kept = (await history.runs(w.structure)).map((r) => r.runId);
        throw new HistoryError(
          `history ${history.location} keeps no run ${JSON.stringify(values.run)} of ${w.className}.${w.workflow} (details of the latest runs are kept; it has: ${kept.join(", ") || "none"})`,
        );
      }
      console.log(values.json ? JSON.stringify(detail, null, 2) : formatRunDetail(detail));
      return 0;
    }
    const [samples, runs] = await Promise.all([history.samples(w.structure), history.runs(w.structure)]);
    console.log(values.json ? JSON.stringify({ ...w, samples, runs }, null, 2) : formatStructure(w, samples, runs));
    return 0;
  } finally {
    await history.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error & { code?: string }) => {
    const usage = error instanceof UsageError || error.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" || error.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE";
    console.error(`dag-history: ${redactRedisUrl(error.message)}${error.code && !usage ? ` (${error.code})` : ""}${usage ? `\n${USAGE}` : ""}`);
    process.exit(usage ? 2 : 1);
  },
);
