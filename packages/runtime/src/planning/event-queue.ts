/**
 * A min-heap of simulation events ordered by time, then by insertion order (ties never depend on
 * float equality of anything but the time itself, and equal times keep a stable order).
 */
export class EventQueue {
  private readonly times: number[] = [];
  private readonly seqs: number[] = [];
  private readonly kinds: number[] = [];
  private readonly items: number[] = [];
  private seq = 0;

  get size(): number {
    return this.times.length;
  }

  push(time: number, kind: number, item: number): void {
    let i = this.times.length;
    this.times.push(time);
    this.seqs.push(this.seq++);
    this.kinds.push(kind);
    this.items.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  /** Removes the earliest event; returns [time, kind, item]. Call only when `size > 0`. */
  pop(): [number, number, number] {
    const top: [number, number, number] = [this.times[0]!, this.kinds[0]!, this.items[0]!];
    const last = this.times.length - 1;
    this.swap(0, last);
    this.times.pop();
    this.seqs.pop();
    this.kinds.pop();
    this.items.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.times.length && this.less(l, m)) m = l;
      if (r < this.times.length && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return top;
  }

  private less(a: number, b: number): boolean {
    return this.times[a]! < this.times[b]! || (this.times[a] === this.times[b] && this.seqs[a]! < this.seqs[b]!);
  }

  private swap(a: number, b: number): void {
    for (const arr of [this.times, this.seqs, this.kinds, this.items]) {
      const t = arr[a]!;
      arr[a] = arr[b]!;
      arr[b] = t;
    }
  }
}
