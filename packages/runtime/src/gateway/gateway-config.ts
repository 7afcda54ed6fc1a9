import { readFileSync } from "node:fs";
import { DEFAULT_KEY_PREFIX, queueKey } from "../store/redis-keys.js";
import { checkKeys, requireInteger, showValue } from "@taskloom/sdk/internal";
import { GatewayError } from "./gateway-error.js";

/** One resource configuration: a named pool of identical `dag-worker` processes. */
export interface ResourceConfiguration {
  /** Name of the configuration; also the worker group whose queue it serves (`dag-worker --group`). */
  readonly name: string;
  /** V8 heap limit of each worker process, in MiB (`--max-old-space-size`, `--memory-mb`). */
  readonly memoryMb: number;
  /** Tasks one worker runs at once (`dag-worker --concurrency`). */
  readonly threads: number;
  /**
   * CPU quota of each worker in cores (0.5 = half a core, 2 = two), enforced with the Linux CPU
   * controller where one is writable; undefined: not limited.
   */
  readonly cpus?: number;
  /** The most worker processes of this configuration alive at once. */
  readonly maxWorkers: number;
  /** An idle worker is stopped after this many milliseconds without work (scale to zero). */
  readonly keepAliveMs: number;
  /**
   * Hand-off lease of the workers (`dag-worker --lease-ms`): work of a worker that stopped (killed at a
   * timeout, say) is taken over by another after this many milliseconds. Default 5000.
   */
  readonly leaseMs: number;
  /** Redis stream holding this configuration's work: the remote runtime's queue of group `name`. */
  readonly queueKey: string;
}

/** Everything a gateway needs, as read from `dag-gateway --config <file>`. */
export interface GatewayConfig {
  readonly configurations: readonly ResourceConfiguration[];
  /** Key prefix of the remote runtime's keys (`dag-worker`'s prefix). Default `tl`. */
  readonly keyPrefix: string;
  /** How often each configuration's queue is probed, in milliseconds. Default 50. */
  readonly pollMs: number;
  /** A busy worker that finishes no task for this many milliseconds is reported as stalled. Default 30000. */
  readonly stallMs: number;
  /** A task running longer than its `timeoutMs` plus this many milliseconds gets its worker killed. Default 500. */
  readonly timeoutGraceMs: number;
  /** How long a stopping worker may take to exit before it is killed, in milliseconds. Default 3000. */
  readonly stopGraceMs: number;
  /** Port of the HTTP status endpoint (`GET /status`) on 127.0.0.1; 0 picks a free port. Default 7420. */
  readonly statusPort: number;
}

const CONFIG_KEYS = new Set(["configurations", "keyPrefix", "pollMs", "stallMs", "timeoutGraceMs", "stopGraceMs", "statusPort"]);
const RESOURCE_KEYS = new Set(["name", "memoryMb", "cpus", "threads", "maxWorkers", "keepAliveMs", "leaseMs"]);
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function fail(where: string, message: string): never {
  throw new GatewayError("TL_GATEWAY_CONFIG", `${where}: ${message}`);
}

function integer(where: string, field: string, value: unknown, min: number, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  return requireInteger(field, value, min, (message) => fail(where, message));
}

function checkFields(where: string, prefix: string, value: Record<string, unknown>, allowed: Set<string>): void {
  checkKeys(
    value,
    allowed,
    (key, expected) => `unknown field ${prefix}${key}; expected one of ${expected}`,
    (message) => fail(where, message),
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseResource(where: string, raw: unknown, index: number, prefix: string): ResourceConfiguration {
  const at = `configurations[${index}]`;
  if (!isObject(raw)) fail(where, `${at} must be an object, got ${showValue(raw)}`);
  checkFields(where, `${at}.`, raw, RESOURCE_KEYS);
  const name = raw.name;
  if (typeof name !== "string" || !NAME.test(name)) {
    fail(where, `${at}.name must be a name of letters, digits, ".", "_" or "-", got ${showValue(name)}`);
  }
  if (raw.cpus !== undefined && !(typeof raw.cpus === "number" && Number.isFinite(raw.cpus) && raw.cpus >= 0.01 && raw.cpus <= 1024)) {
    fail(where, `${at}.cpus must be a number of cores from 0.01 to 1024 (0.5 = half a core), got ${showValue(raw.cpus)}`);
  }
  return {
    name,
    memoryMb: integer(where, `${at}.memoryMb`, raw.memoryMb, 64),
    ...(raw.cpus !== undefined ? { cpus: raw.cpus as number } : {}),
    threads: integer(where, `${at}.threads`, raw.threads, 1),
    maxWorkers: integer(where, `${at}.maxWorkers`, raw.maxWorkers, 1),
    keepAliveMs: integer(where, `${at}.keepAliveMs`, raw.keepAliveMs, 0),
    leaseMs: integer(where, `${at}.leaseMs`, raw.leaseMs, 100, 5000),
    queueKey: queueKey(prefix, name),
  };
}

/**
 * Validates a parsed configuration document and fills in defaults.
 * @param raw - the parsed JSON.
 * @param where - names the source in error messages (usually the file path).
 * @throws GatewayError `TL_GATEWAY_CONFIG` naming the field and the value at fault.
 * @example
 * parseGatewayConfig({ configurations: [{ name: "small", memoryMb: 256, threads: 1, maxWorkers: 2, keepAliveMs: 5000 }] }, "inline");
 */
export function parseGatewayConfig(raw: unknown, where: string): GatewayConfig {
  if (!isObject(raw)) fail(where, `the configuration must be a JSON object, got ${showValue(raw)}`);
  checkFields(where, "", raw, CONFIG_KEYS);
  const list = raw.configurations;
  if (!Array.isArray(list) || list.length === 0) {
    fail(where, `configurations must be a non-empty array, got ${showValue(list)}`);
  }
  const keyPrefix = raw.keyPrefix ?? DEFAULT_KEY_PREFIX;
  if (typeof keyPrefix !== "string" || !NAME.test(keyPrefix)) {
    fail(where, `keyPrefix must be a name of letters, digits, ".", "_" or "-", got ${showValue(raw.keyPrefix)}`);
  }
  const configurations = list.map((item, index) => parseResource(where, item, index, keyPrefix));
  const seen = new Set<string>();
  for (const [index, config] of configurations.entries()) {
    if (seen.has(config.name)) fail(where, `configurations[${index}].name ${showValue(config.name)} is used twice`);
    seen.add(config.name);
  }
  return {
    configurations,
    keyPrefix,
    pollMs: integer(where, "pollMs", raw.pollMs, 5, 50),
    stallMs: integer(where, "stallMs", raw.stallMs, 1, 30_000),
    timeoutGraceMs: integer(where, "timeoutGraceMs", raw.timeoutGraceMs, 0, 500),
    stopGraceMs: integer(where, "stopGraceMs", raw.stopGraceMs, 0, 3_000),
    statusPort: integer(where, "statusPort", raw.statusPort, 0, 7420),
  };
}

/**
 * Reads and validates a gateway configuration file (JSON).
 * @throws GatewayError `TL_GATEWAY_CONFIG` when the file is unreadable, not JSON, or invalid.
 */
export function loadGatewayConfig(file: string): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    throw new GatewayError("TL_GATEWAY_CONFIG", `${file}: cannot read the configuration file`, { cause });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new GatewayError("TL_GATEWAY_CONFIG", `${file}: not valid JSON (${(cause as Error).message})`, { cause });
  }
  return parseGatewayConfig(raw, file);
}
