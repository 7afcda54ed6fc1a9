/** Test helper: a TCP proxy in front of a server whose open connections a test can cut (a real network drop for the browser). */
import { createConnection, createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

export interface CuttingProxy {
  readonly port: number;
  /** The first bytes of every connection (HTTP request heads). */
  readonly heads: string[];
  /** Destroys every open connection, both sides. */
  cut(): void;
  close(): Promise<void>;
}

export async function startCuttingProxy(targetPort: number): Promise<CuttingProxy> {
  const open = new Set<Socket>();
  const heads: string[] = [];
  const server = createServer((client) => {
    const upstream = createConnection(targetPort, "127.0.0.1");
    open.add(client).add(upstream);
    client.once("data", (d: Buffer) => heads.push(d.toString("latin1")));
    client.pipe(upstream).pipe(client);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    heads,
    cut: () => {
      for (const s of open) s.destroy();
      open.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
