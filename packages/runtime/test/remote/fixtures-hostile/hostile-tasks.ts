import { task, workflow } from "@taskloom/sdk";

/** Tasks for the hostile-input tests: values of a chosen size, and a producer whose output another group reads. */
export class Hostile {
  @task() static blob(n: number): string {
    return "x".repeat(n);
  }
  @task() static len(s: string): number {
    return s.length;
  }
  @task() static total(parts: string[]): number {
    return parts.reduce((n, p) => n + p.length, 0);
  }
  @task() static range(n: number): number[] {
    return Array.from({ length: n }, (_, i) => i);
  }
  @task() static record(x: number): { x: number; tag: string } {
    return { x, tag: `item-${x}` };
  }
  @task() static read(r: { x: number; tag: string }): string {
    return `${r.tag}:${r.x * 2}`;
  }

  /** An output of `n` bytes, then its length. */
  @workflow() static big(n: number) {
    return Hostile.len(Hostile.blob(n));
  }
  /** The input's length: the input is the value measured. */
  @workflow() static measure(s: string) {
    return Hostile.len(s);
  }
  /** `n` outputs of `size` bytes each, read by one task: its arguments are n × size bytes. */
  @workflow() static fanIn(job: { n: number; size: number }) {
    return Hostile.total(Hostile.range(job.n).map(() => Hostile.blob(job.size)));
  }
  /** A producer and its reader (the tests put the reader in another worker group, so the output is stored). */
  @workflow() static handOver(x: number) {
    return Hostile.read(Hostile.record(x));
  }
}
