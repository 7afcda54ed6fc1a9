import { task, workflow } from "@taskloom/sdk";

/** Keeps the thread busy for `ms` (CPU work, as a real producer or reader). */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/** The pipeline's shape: `n` chunks of `bytes` bytes, `msEach` of work per chunk on each side. */
export interface StreamJob {
  n: number;
  bytes: number;
  msEach: number;
}

/**
 * The `optimizations` bench section's streaming pipeline: a producer and a reader of equal cost,
 * streamed (the reader starts with the producer and takes chunks as they come) and materialized
 * (the same work with an array between them).
 */
export class StreamBench {
  @task() static async *produce(job: StreamJob): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < job.n; i++) {
      spin(job.msEach);
      yield new Uint8Array(job.bytes).fill(i & 255);
    }
  }

  @task() static async consume(chunks: AsyncIterable<Uint8Array>, job: StreamJob): Promise<number> {
    let sum = 0;
    for await (const c of chunks) {
      spin(job.msEach);
      sum += c[0] ?? 0;
    }
    return sum;
  }

  @task() static produceAll(job: StreamJob): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let i = 0; i < job.n; i++) {
      spin(job.msEach);
      out.push(new Uint8Array(job.bytes).fill(i & 255));
    }
    return out;
  }

  @task() static consumeAll(chunks: Uint8Array[], job: StreamJob): number {
    let sum = 0;
    for (const c of chunks) {
      spin(job.msEach);
      sum += c[0] ?? 0;
    }
    return sum;
  }

  @workflow()
  static streamed(job: StreamJob) {
    return StreamBench.consume(StreamBench.produce(job), job);
  }

  @workflow()
  static materialized(job: StreamJob) {
    return StreamBench.consumeAll(StreamBench.produceAll(job), job);
  }
}
