import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { HistoryError } from "../errors.js";
import type { HistoryStore } from "./history-store.js";
import {
  HISTORY_LIMITS,
  type HistoryRun,
  type HistoryRunDetail,
  type HistoryRunSummary,
  type HistorySamples,
  type TaskSample,
  type TransferSample,
  type WorkflowHistory,
} from "./history-types.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS workflows (structure TEXT PRIMARY KEY, workflow TEXT NOT NULL, class_name TEXT NOT NULL,
  runs INTEGER NOT NULL, first_at INTEGER NOT NULL, last_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS task_counts (structure TEXT NOT NULL, task TEXT NOT NULL, configuration TEXT NOT NULL,
  count INTEGER NOT NULL, PRIMARY KEY (structure, task, configuration));
CREATE TABLE IF NOT EXISTS samples (id INTEGER PRIMARY KEY AUTOINCREMENT, structure TEXT NOT NULL, task TEXT NOT NULL,
  configuration TEXT NOT NULL, sample TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS samples_by_key ON samples (structure, task, configuration, id);
CREATE TABLE IF NOT EXISTS transfers (id INTEGER PRIMARY KEY AUTOINCREMENT, configuration TEXT NOT NULL, kind TEXT NOT NULL,
  bytes REAL NOT NULL, ms REAL NOT NULL);
CREATE INDEX IF NOT EXISTS transfers_by_key ON transfers (configuration, kind, id);
CREATE TABLE IF NOT EXISTS lengths (id INTEGER PRIMARY KEY AUTOINCREMENT, structure TEXT NOT NULL, key TEXT NOT NULL, length INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS lengths_by_key ON lengths (structure, key, id);
CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY AUTOINCREMENT, structure TEXT NOT NULL, run_id TEXT NOT NULL,
  summary TEXT NOT NULL, detail TEXT);
CREATE INDEX IF NOT EXISTS runs_by_structure ON runs (structure, id);
`;

type Db = BetterSqlite3.Database;

/** Tables keyed by structure (transfers are shared by every structure). */
const STRUCTURE_TABLES = ["workflows", "task_counts", "samples", "lengths", "runs"] as const;

/**
 * {@link HistoryStore} in one SQLite file (better-sqlite3, WAL mode: several processes may record
 * into the same file). Each record is one transaction; trimming to the caps happens in it.
 */
class SqliteHistoryStore implements HistoryStore {
  readonly location: string;
  private readonly recordTx: (run: HistoryRun) => void;

  constructor(
    private readonly db: Db,
    file: string,
  ) {
    this.location = `sqlite:${file}`;
    const q = {
      upsertWorkflow: db.prepare(
        `INSERT INTO workflows (structure, workflow, class_name, runs, first_at, last_at) VALUES (?, ?, ?, 1, ?, ?)
         ON CONFLICT (structure) DO UPDATE SET runs = runs + 1, first_at = min(first_at, excluded.first_at),
         last_at = max(last_at, excluded.last_at), workflow = excluded.workflow`,
      ),
      count: db.prepare(
        `INSERT INTO task_counts (structure, task, configuration, count) VALUES (?, ?, ?, ?)
         ON CONFLICT (structure, task, configuration) DO UPDATE SET count = count + excluded.count`,
      ),
      sample: db.prepare("INSERT INTO samples (structure, task, configuration, sample) VALUES (?, ?, ?, ?)"),
      trimSamples: db.prepare(
        `DELETE FROM samples WHERE structure = ? AND task = ? AND configuration = ? AND id <=
         (SELECT id FROM samples WHERE structure = ? AND task = ? AND configuration = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
      ),
      transfer: db.prepare("INSERT INTO transfers (configuration, kind, bytes, ms) VALUES (?, ?, ?, ?)"),
      trimTransfers: db.prepare(
        `DELETE FROM transfers WHERE configuration = ? AND kind = ? AND id <=
         (SELECT id FROM transfers WHERE configuration = ? AND kind = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
      ),
      length: db.prepare("INSERT INTO lengths (structure, key, length) VALUES (?, ?, ?)"),
      trimLengths: db.prepare(
        `DELETE FROM lengths WHERE structure = ? AND key = ? AND id <=
         (SELECT id FROM lengths WHERE structure = ? AND key = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
      ),
      run: db.prepare("INSERT INTO runs (structure, run_id, summary, detail) VALUES (?, ?, ?, ?)"),
      trimRuns: db.prepare(`DELETE FROM runs WHERE structure = ? AND id <= (SELECT id FROM runs WHERE structure = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`),
      beyondCap: db.prepare("SELECT structure FROM workflows ORDER BY last_at DESC, structure LIMIT -1 OFFSET ?").pluck(),
      trimDetails: db.prepare(
        `UPDATE runs SET detail = NULL WHERE structure = ? AND detail IS NOT NULL AND id <=
         (SELECT id FROM runs WHERE structure = ? AND detail IS NOT NULL ORDER BY id DESC LIMIT 1 OFFSET ?)`,
      ),
    };
    const L = HISTORY_LIMITS;
    this.recordTx = db.transaction((run: HistoryRun) => {
      const { structure, summary } = run;
      q.upsertWorkflow.run(structure, summary.workflow, run.className, summary.at, summary.at);
      const keys = new Map<string, [string, string, number]>();
      for (const s of run.samples) {
        const { task, configuration, ...sample } = s;
        q.sample.run(structure, task, configuration, JSON.stringify(sample));
        const k = `${task}\u0000${configuration}`;
        const entry = keys.get(k) ?? [task, configuration, 0];
        entry[2]++;
        keys.set(k, entry);
      }
      for (const [task, configuration, n] of keys.values()) {
        q.count.run(structure, task, configuration, n);
        q.trimSamples.run(structure, task, configuration, structure, task, configuration, L.samplesPerTask);
      }
      const transferKeys = new Set<string>();
      for (const t of run.transfers) {
        q.transfer.run(t.configuration, t.kind, t.bytes, t.ms);
        transferKeys.add(`${t.configuration}\u0000${t.kind}`);
      }
      for (const k of transferKeys) {
        const [configuration, kind] = k.split("\u0000") as [string, string];
        q.trimTransfers.run(configuration, kind, configuration, kind, L.transfersPerConfiguration);
      }
      for (const [key, length] of Object.entries(run.lengths)) {
        q.length.run(structure, key, length);
        q.trimLengths.run(structure, key, structure, key, L.lengthsPerKey);
      }
      q.run.run(structure, summary.runId, JSON.stringify(summary), run.detail ? JSON.stringify(run.detail) : null);
      q.trimRuns.run(structure, structure, L.runsPerStructure);
      q.trimDetails.run(structure, structure, L.detailsPerStructure);
      for (const old of q.beyondCap.all(L.structures) as string[]) this.forget(old);
    });
  }

  async record(run: HistoryRun): Promise<void> {
    this.guard(() => this.recordTx(run));
  }

  async samples(structure: string): Promise<HistorySamples | undefined> {
    return this.guard(() => {
      const wf = this.db.prepare("SELECT workflow, runs FROM workflows WHERE structure = ?").get(structure) as { workflow: string; runs: number } | undefined;
      if (!wf) return undefined;
      const counts = this.db.prepare("SELECT task, configuration, count FROM task_counts WHERE structure = ? ORDER BY task, configuration").all(structure) as {
        task: string;
        configuration: string;
        count: number;
      }[];
      const sampleRows = this.db.prepare("SELECT task, configuration, sample FROM samples WHERE structure = ? ORDER BY id").all(structure) as {
        task: string;
        configuration: string;
        sample: string;
      }[];
      const byKey = new Map<string, TaskSample[]>();
      for (const r of sampleRows) {
        const k = `${r.task}\u0000${r.configuration}`;
        let list = byKey.get(k);
        if (!list) byKey.set(k, (list = []));
        list.push(JSON.parse(r.sample) as TaskSample);
      }
      const transfers: Record<string, TransferSample[]> = {};
      const rows = this.db.prepare("SELECT configuration, kind, bytes, ms FROM transfers ORDER BY id").all() as (TransferSample & { configuration: string })[];
      for (const { configuration, ...t } of rows) (transfers[configuration] ??= []).push(t);
      const lengths: Record<string, number[]> = {};
      const lengthRows = this.db.prepare("SELECT key, length FROM lengths WHERE structure = ? ORDER BY id").all(structure) as { key: string; length: number }[];
      for (const r of lengthRows) (lengths[r.key] ??= []).push(r.length);
      return {
        structure,
        workflow: wf.workflow,
        runs: wf.runs,
        tasks: counts.map((c) => ({ ...c, samples: byKey.get(`${c.task}\u0000${c.configuration}`) ?? [] })),
        transfers,
        lengths,
      };
    });
  }

  async workflows(): Promise<WorkflowHistory[]> {
    return this.guard(() =>
      (
        this.db.prepare("SELECT structure, workflow, class_name, runs, first_at, last_at FROM workflows ORDER BY last_at DESC, structure").all() as {
          structure: string;
          workflow: string;
          class_name: string;
          runs: number;
          first_at: number;
          last_at: number;
        }[]
      ).map((r) => ({ structure: r.structure, workflow: r.workflow, className: r.class_name, runs: r.runs, firstAt: r.first_at, lastAt: r.last_at })),
    );
  }

  async runs(structure: string, limit: number = HISTORY_LIMITS.runsPerStructure): Promise<HistoryRunSummary[]> {
    return this.guard(() =>
      (this.db.prepare("SELECT summary FROM runs WHERE structure = ? ORDER BY id DESC LIMIT ?").all(structure, limit) as { summary: string }[]).map(
        (r) => JSON.parse(r.summary) as HistoryRunSummary,
      ),
    );
  }

  async run(structure: string, runId: string): Promise<HistoryRunDetail | undefined> {
    return this.guard(() => {
      const row = this.db.prepare("SELECT detail FROM runs WHERE structure = ? AND run_id = ? ORDER BY id DESC LIMIT 1").get(structure, runId) as
        | { detail: string | null }
        | undefined;
      return row?.detail ? (JSON.parse(row.detail) as HistoryRunDetail) : undefined;
    });
  }

  async clear(structure?: string): Promise<number> {
    return this.guard(() =>
      this.db.transaction(() => {
        const where = structure === undefined ? "" : " WHERE structure = ?";
        const args = structure === undefined ? [] : [structure];
        const n = (this.db.prepare(`SELECT count(*) AS n FROM workflows${where}`).get(...args) as { n: number }).n;
        if (structure !== undefined) this.forget(structure);
        else for (const table of [...STRUCTURE_TABLES, "transfers"]) this.db.prepare(`DELETE FROM ${table}`).run();
        return n;
      })(),
    );
  }

  /** Deletes one structure's rows (inside the caller's transaction). */
  private forget(structure: string): void {
    for (const table of STRUCTURE_TABLES) this.db.prepare(`DELETE FROM ${table} WHERE structure = ?`).run(structure);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private guard<T>(f: () => T): T {
    try {
      return f();
    } catch (cause) {
      throw new HistoryError(`history ${this.location}: ${(cause as Error).message}`, cause);
    }
  }
}

/**
 * Opens (creating it and its folder if needed) the SQLite history in `file`.
 * @throws HistoryError `TL_HISTORY` when better-sqlite3 cannot be loaded or the file cannot be opened.
 * @example
 * ```ts
 * const history = await createSqliteHistory(".taskloom/history.sqlite");
 * ```
 */
export async function createSqliteHistory(file: string): Promise<HistoryStore> {
  const path = resolve(file);
  let Database: typeof BetterSqlite3;
  try {
    Database = (await import("better-sqlite3")).default;
  } catch (cause) {
    throw new HistoryError(`the SQLite history needs better-sqlite3 (npm install better-sqlite3@12): ${(cause as Error).message}`, cause);
  }
  try {
    mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma("journal_mode = WAL");
    db.pragma("busy_timeout = 5000");
    db.exec(SCHEMA);
    return new SqliteHistoryStore(db, path);
  } catch (cause) {
    throw new HistoryError(`cannot open the SQLite history ${path}: ${(cause as Error).message}`, cause);
  }
}
