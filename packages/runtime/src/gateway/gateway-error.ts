import { TaskloomError } from "@taskloom/sdk";

/**
 * An error of the worker gateway. `code` is one of:
 * - `TL_GATEWAY_CONFIG`: the configuration file is missing, not JSON, or has an invalid field;
 * - `TL_GATEWAY_STATUS`: `dag-gateway status` could not reach a running gateway;
 * - `TL_GATEWAY_SPAWN`: a worker process could not be started.
 */
export class GatewayError extends TaskloomError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "GatewayError";
  }
}
