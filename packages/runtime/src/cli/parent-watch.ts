import { readFileSync } from "node:fs";

/** How often the parent process is checked (ms). */
const PARENT_POLL_MS = 1000;

/** Shells that launchers (`npm exec`/`npx`, `sh -c`) put between themselves and the command they run. */
const SHELLS = new Set(["sh", "dash", "bash", "zsh", "ash", "ksh"]);

/** The parent pid of process `pid` (Linux /proc), or undefined when it cannot be read (gone, or not Linux). */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 4, after the command name in parentheses (which may itself hold spaces or parentheses).
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return undefined;
  }
}

/**
 * Calls `onOrphaned` once when the process that started this one exits (its parent pid changes:
 * the process is re-parented to init or a subreaper), so that a worker whose launcher died (a
 * shell, a gateway, a test runner killed with SIGKILL) does not keep running unseen. When the
 * parent is a shell (`npx` runs a command as npm → sh → node), the shell's own parent is watched
 * too (Linux): a launcher killed with SIGKILL leaves its shell waiting on this process, which would
 * otherwise never notice. The check is a poll of `process.ppid` (and /proc) on an unref'd timer.
 * Returns a function that stops watching.
 */
export function watchParent(onOrphaned: () => void, pollMs = PARENT_POLL_MS): () => void {
  const parent = process.ppid;
  const shell = SHELLS.has(commandOf(parent) ?? "");
  const launcher = shell ? parentOf(parent) : undefined;
  const timer = setInterval(() => {
    if (process.ppid === parent && (launcher === undefined || parentOf(parent) === launcher)) return;
    clearInterval(timer);
    onOrphaned();
  }, pollMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Calls `onClosed` once when this process's standard output or error can no longer be written
 * (the reading end closed: `EPIPE`, as when the launcher that read its log died), instead of
 * letting the stream's unhandled `error` event end the process with a stack trace; later writes
 * to the closed stream are dropped.
 */
export function watchOutputs(onClosed: (why: string) => void): void {
  let closed = false;
  for (const [name, stream] of [
    ["output", process.stdout],
    ["error output", process.stderr],
  ] as const) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (closed) return;
      closed = true;
      onClosed(`its standard ${name} was closed (${error.code ?? error.message})`);
    });
  }
}
