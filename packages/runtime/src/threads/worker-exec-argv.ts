/** Node options that load a module before the program: a TypeScript loader comes this way. */
const HOOK_OPTIONS = new Set(["--import", "--require", "-r", "--loader", "--experimental-loader"]);

/** Module specifiers (names, paths or file URLs) of the usual TypeScript loaders. */
const TYPESCRIPT_LOADER = /(^|[/\\])(tsx|ts-node|esbuild-register|@swc-node[/\\]register|@esbuild-kit[/\\][^/\\]+)([/\\]|$)/;

/**
 * Options a worker thread accepts in an explicit `execArgv` (V8 and process-wide options are
 * refused there, and V8's apply to every thread anyway).
 */
const THREAD_OPTIONS =
  /^(--enable-source-maps|--no-warnings|--no-deprecation|--trace-warnings|--trace-deprecation|--trace-uncaught|--conditions(=.*)?|-C|--experimental-[a-z-]+)$/;
const THREAD_OPTIONS_WITH_VALUE = new Set(["--conditions", "-C"]);

/**
 * The Node options for the runtime's worker threads, or `undefined` to inherit the parent's.
 * The threads load only compiled JavaScript (the worker entry and the task bundle), and a
 * TypeScript loader inherited from `tsx main.ts` costs each new thread ~60 ms, doubling a first
 * run's time: when the parent has one, the threads get the parent's options without it (keeping
 * other `--import`/`--require` preloads and the thread-level options).
 *
 * @example
 * ```ts
 * workerExecArgv(["--import", "tsx", "--enable-source-maps"]); // ["--enable-source-maps"]
 * workerExecArgv(["--max-old-space-size=512"]);                // undefined: inherit
 * ```
 */
export function workerExecArgv(execArgv: readonly string[]): string[] | undefined {
  const out: string[] = [];
  let dropped = false;
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string;
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (HOOK_OPTIONS.has(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : execArgv[++i];
      if (value !== undefined && TYPESCRIPT_LOADER.test(value)) dropped = true;
      else out.push(...(eq > 0 ? [arg] : value !== undefined ? [arg, value] : [arg]));
    } else if (THREAD_OPTIONS.test(arg)) {
      out.push(arg);
      if (THREAD_OPTIONS_WITH_VALUE.has(arg) && i + 1 < execArgv.length) out.push(execArgv[++i] as string);
    }
  }
  return dropped ? out : undefined;
}
