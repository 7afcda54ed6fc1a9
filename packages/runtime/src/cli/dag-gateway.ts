#!/usr/bin/env node
/**
 * `dag-gateway --redis <url> --config <file> [--port <n>] [--worker <script>] [--signing-key-file <path>]`:
 * runs a worker gateway (its workers verify signed bundles with the key in the file).
 * `dag-gateway status [--port <n>] [--host <h>] [--json]`: prints a running gateway's ledger.
 */
import { parseArgs } from "node:util";
import { createGateway } from "../gateway/gateway.js";
import { loadGatewayConfig } from "../gateway/gateway-config.js";
import { REDIS_URL_ENV } from "../store/redis-url.js";
import { parsePort, runCommand, untilSignal } from "./cli-main.js";
import { fetchGatewayStatus, formatGatewayStatus } from "../gateway/status-command.js";
import { watchOutputs, watchParent } from "./parent-watch.js";
import { readSigningKeyFile } from "../protocol/bundle-signature.js";
import { GatewayError } from "../gateway/gateway-error.js";

const USAGE = `usage: dag-gateway --redis <url> --config <file> [--port <n>] [--worker <script>] [--signing-key-file <path>]
       dag-gateway status [--port <n>] [--host <host>] [--json]`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      redis: { type: "string" },
      config: { type: "string" },
      port: { type: "string" },
      host: { type: "string" },
      worker: { type: "string" },
      "signing-key-file": { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const port = parsePort(values.port);
  if (positionals[0] === "status") {
    const status = await fetchGatewayStatus(port ?? 7420, values.host);
    console.log(values.json ? JSON.stringify(status, null, 2) : formatGatewayStatus(status));
    return 0;
  }
  if (positionals.length > 0) throw new Error(`unknown command ${JSON.stringify(positionals[0])}\n${USAGE}`);
  const redis = values.redis ?? process.env[REDIS_URL_ENV];
  if (!redis || !values.config) throw new Error(`--redis (or ${REDIS_URL_ENV}) and --config are required\n${USAGE}`);
  const config = loadGatewayConfig(values.config);
  const keyFile = values["signing-key-file"];
  let signingKey: Buffer | undefined;
  if (keyFile !== undefined) {
    try {
      signingKey = readSigningKeyFile(keyFile);
    } catch (error) {
      // The message names the file, never its contents.
      throw new GatewayError("TL_GATEWAY_CONFIG", `cannot read --signing-key-file: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  const gateway = await createGateway({
    redisUrl: redis,
    config: port === undefined ? config : { ...config, statusPort: port },
    ...(values.worker ? { workerScript: values.worker } : {}),
    ...(signingKey ? { signingKey } : {}),
  });
  // A gateway whose launcher died (a shell, a supervisor killed with SIGKILL) stops its workers and exits.
  // So does one whose log nobody reads any more (its standard output closed).
  const orphaned = new Promise<NodeJS.Signals>((resolve) => {
    watchParent(() => resolve("SIGTERM"));
    watchOutputs(() => resolve("SIGTERM"));
  });
  const signal = await Promise.race([untilSignal(), orphaned]);
  await gateway.stop(signal).catch(() => undefined);
  return 0;
}

runCommand(
  "dag-gateway",
  () => main(process.argv.slice(2)),
  (code) => (code === "TL_GATEWAY_CONFIG" ? 2 : 1),
);
