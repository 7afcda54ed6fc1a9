import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Serves `GET /status` (the gateway's ledger as JSON) on 127.0.0.1.
 * @returns the server and the port it listens on.
 */
export async function startStatusServer(port: number, status: () => unknown): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    if (request.method === "GET" && (request.url === "/status" || request.url === "/")) {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(status(), null, 2));
      return;
    }
    response.writeHead(404, { "content-type": "text/plain" });
    response.end("not found; try GET /status\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  server.unref();
  return { server, port: (server.address() as AddressInfo).port };
}
