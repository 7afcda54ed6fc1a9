import { watch, type FSWatcher } from "node:fs";
import path from "node:path";
import type { CompileOptions, CompileResult } from "../compile-result.js";
import { createCompilerSession } from "../compiler-session.js";
import { findSources, findSourcesOrThrow, isCompilableSource } from "../find-sources.js";

/** Options of {@link watchSources}. */
export interface WatchOptions extends CompileOptions {
  patterns: readonly string[];
  cwd: string;
  /** Called after the first build and after every rebuild. */
  onResult(result: CompileResult): void;
  /** Called with errors of a rebuild that are not per-module (e.g. a failing glob). */
  onError(error: unknown): void;
  /** Stops watching when aborted. */
  signal: AbortSignal;
  /** Quiet period after the last change before rebuilding, in milliseconds. Default 50. */
  debounceMs?: number;
}

/**
 * Compiles the selected modules, then watches the directories of their files (the module, its
 * task classes and everything bundled with them) and recompiles only the modules whose files
 * changed, re-reading just those files into the one ts-morph Project. New files matching the
 * patterns are picked up. Generated files (`*.dag.ts`, `.taskloom/`) never trigger a rebuild.
 *
 * Resolves when `signal` aborts.
 * @throws CompilerUsageError (before watching) when a pattern matches nothing.
 */
export async function watchSources(options: WatchOptions): Promise<void> {
  const { patterns, cwd, signal } = options;
  const session = createCompilerSession(options);
  const inputsOf = new Map<string, string[]>();
  const watchers = new Map<string, FSWatcher>();
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  function watchDirs(): void {
    const dirs = new Set<string>();
    for (const [file, inputs] of inputsOf) {
      dirs.add(path.dirname(file));
      for (const input of inputs) if (!input.includes(`${path.sep}node_modules${path.sep}`)) dirs.add(path.dirname(input));
    }
    for (const dir of dirs) {
      if (watchers.has(dir)) continue;
      try {
        const w = watch(dir, (_event, name) => onEvent(dir, name));
        w.on("error", () => undefined);
        watchers.set(dir, w);
      } catch {
        // A directory that vanished: nothing to watch.
      }
    }
  }

  function record(result: CompileResult): void {
    for (const m of result.modules) inputsOf.set(m.file, m.inputs);
    watchDirs();
    options.onResult(result);
  }

  function onEvent(dir: string, name: string | Buffer | null): void {
    if (name === null) return;
    const file = path.join(dir, name.toString());
    if (!isCompilableSource(file)) return;
    pending.add(file);
    clearTimeout(timer);
    timer = setTimeout(() => {
      running = running.then(rebuild).catch(options.onError);
    }, options.debounceMs ?? 50);
  }

  async function rebuild(): Promise<void> {
    if (pending.size === 0 || signal.aborted) return;
    const changed = [...pending];
    pending.clear();
    const current = new Set((await findSources(patterns, cwd)).files);
    for (const file of [...inputsOf.keys()]) if (!current.has(file)) inputsOf.delete(file);
    const affected = [...current].filter((file) => !inputsOf.has(file) || changed.some((c) => c === file || inputsOf.get(file)!.includes(c)));
    if (affected.length === 0) {
      for (const file of changed) session.refresh(file);
      return;
    }
    record(await session.compileFiles(affected, changed));
  }

  record(await session.compileFiles(await findSourcesOrThrow(patterns, cwd)));
  await new Promise<void>((resolve) => {
    const stop = () => {
      clearTimeout(timer);
      for (const w of watchers.values()) w.close();
      void running.then(resolve);
    };
    if (signal.aborted) stop();
    else signal.addEventListener("abort", stop, { once: true });
  });
}
