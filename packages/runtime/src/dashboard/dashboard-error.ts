import { TaskloomError } from "@taskloom/sdk";

/**
 * An error of the dashboard:
 * - `TL_DASHBOARD_TOKEN`: binding beyond loopback without a token;
 * - `TL_DASHBOARD_LISTEN`: the port cannot be bound.
 */
export class DashboardError extends TaskloomError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "DashboardError";
  }
}
