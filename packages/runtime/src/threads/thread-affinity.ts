import { Piscina } from "piscina";

type PoolOptions = NonNullable<ConstructorParameters<typeof Piscina>[0]>;
type LoadBalancer = NonNullable<PoolOptions["loadBalancer"]>;

/** Where a request says which thread it would rather run on (piscina passes it to the balancer, never to the thread). */
const AFFINITY = Piscina.queueOptionsSymbol;

/**
 * Marks `request` to run on thread `threadId` when that thread is idle: it holds some of the
 * request's inputs live (see `resident` in thread-messages.ts), so running there skips decoding them.
 */
export function preferThread<T extends object>(request: T, threadId: number | undefined): T {
  if (threadId !== undefined) (request as Record<symbol, unknown>)[AFFINITY] = { threadId };
  return request;
}

/**
 * piscina's least-busy choice for one task per thread (the first idle thread, else wait), except
 * that an idle thread a request prefers comes first. A busy preferred thread is never waited for.
 */
export const affinityBalancer: LoadBalancer = (task, workers) => {
  const wanted = ((task as unknown as Record<symbol, unknown>)[AFFINITY] as { threadId?: number } | null | undefined)?.threadId;
  let idle: (typeof workers)[number] | null = null;
  for (const worker of workers) {
    if (worker.currentUsage !== 0) continue;
    if (worker.id === wanted) return worker;
    idle ??= worker;
    if (wanted === undefined) break;
  }
  return idle;
};
