import { checkIntegerText } from "@taskloom/sdk/internal";
import { redactRedisUrl } from "../store/redis-url.js";

/**
 * Runs a command's `main` and exits with its code; an error prints `<name>: <message> (<code>)`
 * (Redis URLs redacted) and exits with `exitCodeOf(code)` (default 1).
 */
export function runCommand(name: string, main: () => Promise<number>, exitCodeOf: (code: string | undefined) => number = () => 1): void {
  main().then(
    (code) => process.exit(code),
    (error: Error & { code?: string }) => {
      console.error(`${name}: ${redactRedisUrl(error.message)}${error.code ? ` (${error.code})` : ""}`);
      process.exit(exitCodeOf(error.code));
    },
  );
}

/** A `--port` value: undefined when absent, else an integer 0..65535 (an error otherwise). */
export function parsePort(value: string | undefined, flag = "--port"): number | undefined {
  const port = checkIntegerText(flag, value, 0, (message) => {
    throw new Error(message);
  });
  if (port !== undefined && port > 65535) throw new Error(`${flag} must be a port number, got ${JSON.stringify(value)}`);
  return port;
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
}
