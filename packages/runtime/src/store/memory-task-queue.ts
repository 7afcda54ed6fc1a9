import type { Delivery, Handoff, QueueDeliveries, TaskQueue } from "./task-queue.js";

interface Entry extends Delivery {
  consumer: string | undefined;
  touchedAt: number;
}

interface Group {
  entries: Map<string, Entry>;
  waiters: (() => void)[];
  lastDelivered: string;
}

/** In-memory {@link TaskQueue} with the same delivery semantics as Redis Streams. */
export class MemoryTaskQueue implements TaskQueue {
  private readonly groups = new Map<string, Group>();
  private seq = 0;

  private group(name: string): Group {
    let g = this.groups.get(name);
    if (!g) {
      g = { entries: new Map(), waiters: [], lastDelivered: "0-0" };
      this.groups.set(name, g);
    }
    return g;
  }

  async push(group: string, handoffs: Handoff[]): Promise<void> {
    const g = this.group(group);
    for (const h of handoffs) {
      const id = `${Date.now()}-${this.seq++}`;
      g.entries.set(id, { id, runId: h.runId, instanceId: h.instanceId, consumer: undefined, touchedAt: 0 });
    }
    for (const wake of g.waiters.splice(0)) wake();
  }

  private take(g: Group, consumer: string, count: number): Delivery[] {
    const out: Delivery[] = [];
    for (const e of g.entries.values()) {
      if (out.length >= count) break;
      if (e.consumer !== undefined) continue;
      e.consumer = consumer;
      e.touchedAt = Date.now();
      g.lastDelivered = e.id;
      out.push({ id: e.id, runId: e.runId, instanceId: e.instanceId });
    }
    return out;
  }

  async receive(group: string, consumer: string, count: number, blockMs: number): Promise<Delivery[]> {
    const g = this.group(group);
    const now = this.take(g, consumer, count);
    if (now.length > 0 || blockMs <= 0) return now;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        g.waiters = g.waiters.filter((w) => w !== wake);
        resolve();
      }, blockMs);
      const wake = (): void => {
        clearTimeout(timer);
        resolve();
      };
      g.waiters.push(wake);
    });
    return this.take(g, consumer, count);
  }

  async ack(group: string, ids: string[]): Promise<void> {
    const g = this.group(group);
    for (const id of ids) g.entries.delete(id);
  }

  async touch(group: string, consumer: string, ids: string[]): Promise<void> {
    const g = this.group(group);
    for (const id of ids) {
      const e = g.entries.get(id);
      if (e && e.consumer === consumer) e.touchedAt = Date.now();
    }
  }

  async claimStale(group: string, consumer: string, leaseMs: number, count: number): Promise<Delivery[]> {
    const g = this.group(group);
    const out: Delivery[] = [];
    const cutoff = Date.now() - leaseMs;
    for (const e of g.entries.values()) {
      if (out.length >= count) break;
      if (e.consumer === undefined || e.touchedAt > cutoff) continue;
      e.consumer = consumer;
      e.touchedAt = Date.now();
      out.push({ id: e.id, runId: e.runId, instanceId: e.instanceId });
    }
    return out;
  }

  async backlog(group: string): Promise<number> {
    return this.group(group).entries.size;
  }

  async deliveries(group: string): Promise<QueueDeliveries> {
    const g = this.group(group);
    let held = 0;
    for (const e of g.entries.values()) if (e.consumer !== undefined) held++;
    return { waiting: g.entries.size - held, held, lastDelivered: g.lastDelivered };
  }

  async dropRun(group: string, runId: string, scanLimit: number): Promise<number> {
    const { entries } = this.group(group);
    const ids = [...entries.values()]
      .slice(0, scanLimit)
      .filter((e) => e.runId === runId)
      .map((e) => e.id);
    for (const id of ids) entries.delete(id);
    return ids.length;
  }

  async holdsRun(group: string, runId: string, scanLimit: number): Promise<boolean | undefined> {
    const { entries } = this.group(group);
    if (entries.size > scanLimit) return undefined;
    for (const e of entries.values()) if (e.runId === runId) return true;
    return false;
  }

  async close(): Promise<void> {
    for (const g of this.groups.values()) for (const wake of g.waiters.splice(0)) wake();
  }
}
