/**
 * A min-heap of simulation events ordered by time, then by insertion order (ties never depend on
 * float equality of anything but the time itself, and equal times keep a stable order).
 * Stored in parallel growable typed arrays: no allocation per event.
 */
export class EventQueue {
  private times = new Float64Array(64);
  private seqs = new Float64Array(64);
  private kinds = new Int32Array(64);
  private items = new Int32Array(64);
  private length = 0;
  private seq = 0;
  /** Kind and item of the event {@link pop} returned last. */
  kind = 0;
  item = 0;

  get size(): number {
    return this.length;
  }

  push(time: number, kind: number, item: number): void {
    if (this.length === this.times.length) this.grow();
    const seq = this.seq++;
    let i = this.length++;
    // Sift up with a hole: parents later than the new event move down.
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = this.times[p]!;
      if (pt < time || (pt === time && this.seqs[p]! < seq)) break;
      this.move(p, i);
      i = p;
    }
    this.set(i, time, seq, kind, item);
  }

  /** Removes the earliest event and returns its time; its kind and item are in {@link kind}, {@link item}. Call only when `size > 0`. */
  pop(): number {
    const time = this.times[0]!;
    this.kind = this.kinds[0]!;
    this.item = this.items[0]!;
    const last = --this.length;
    if (last === 0) return time;
    const lt = this.times[last]!;
    const ls = this.seqs[last]!;
    const lk = this.kinds[last]!;
    const li = this.items[last]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= last) break;
      const r = l + 1;
      let m = l;
      if (r < last && this.before(r, l)) m = r;
      const mt = this.times[m]!;
      if (lt < mt || (lt === mt && ls < this.seqs[m]!)) break;
      this.move(m, i);
      i = m;
    }
    this.set(i, lt, ls, lk, li);
    return time;
  }

  private before(a: number, b: number): boolean {
    const ta = this.times[a]!;
    const tb = this.times[b]!;
    return ta < tb || (ta === tb && this.seqs[a]! < this.seqs[b]!);
  }

  private move(from: number, to: number): void {
    this.times[to] = this.times[from]!;
    this.seqs[to] = this.seqs[from]!;
    this.kinds[to] = this.kinds[from]!;
    this.items[to] = this.items[from]!;
  }

  private set(i: number, time: number, seq: number, kind: number, item: number): void {
    this.times[i] = time;
    this.seqs[i] = seq;
    this.kinds[i] = kind;
    this.items[i] = item;
  }

  private grow(): void {
    const n = this.times.length * 2;
    const times = new Float64Array(n);
    times.set(this.times);
    const seqs = new Float64Array(n);
    seqs.set(this.seqs);
    const kinds = new Int32Array(n);
    kinds.set(this.kinds);
    const items = new Int32Array(n);
    items.set(this.items);
    this.times = times;
    this.seqs = seqs;
    this.kinds = kinds;
    this.items = items;
  }
}
