import { task, workflow } from "@taskloom/sdk";

/** An RGB image: 3 bytes per pixel, row-major. */
export interface Image {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/** A dense row-major matrix of doubles. */
export interface Block {
  rows: number;
  cols: number;
  data: Float64Array;
}

/** A small summary of a large value: FNV-1a of a sample of its bytes, and its length. */
function digest(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i += 97) h = Math.imul(h ^ (bytes[i] as number), 0x01000193) >>> 0;
  return `${h.toString(16).padStart(8, "0")}:${bytes.length}`;
}

/** Deterministic pseudo-random doubles in [0, 1) (xorshift32). */
function fill(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = (x >>> 0) / 4294967296;
  }
  return out;
}

/**
 * The `optimizations` bench section's workflows: an image pipeline over an 8 MB image and a GEMM
 * whose partial products are 8 MB blocks. Every large value is made by a task (the inputs are a
 * few numbers), so that the bytes written to Redis are those of the intermediate outputs.
 */
export class DataAware {
  /** An image of `width × height` RGB pixels made from `seed` (the stand-in for loading it). */
  @task()
  static loadImage(spec: { width: number; height: number; seed: number }): Image {
    const pixels = new Uint8Array(spec.width * spec.height * 3);
    let x = spec.seed | 1;
    for (let i = 0; i < pixels.length; i += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      pixels[i] = x & 255;
      pixels[i + 1] = (x >>> 8) & 255;
      pixels[i + 2] = (x >>> 16) & 255;
      pixels[i + 3] = (x >>> 24) & 255;
    }
    return { width: spec.width, height: spec.height, pixels };
  }

  /** A tone curve (a gain with clamping) on every channel: same size as the input. */
  @task()
  static tone(image: Image): Image {
    const out = new Uint8Array(image.pixels.length);
    for (let i = 0; i < out.length; i++) out[i] = Math.min(255, ((image.pixels[i] as number) * 5) >> 2);
    return { width: image.width, height: image.height, pixels: out };
  }

  /** Horizontal edges: |p(x+1) − p(x)| per channel: same size as the input. */
  @task()
  static edges(image: Image): Image {
    const { pixels } = image;
    const out = new Uint8Array(pixels.length);
    for (let i = 0; i + 3 < pixels.length; i++) out[i] = Math.abs((pixels[i + 3] as number) - (pixels[i] as number));
    return { width: image.width, height: image.height, pixels: out };
  }

  /** Blends the two images (mean per byte) and returns the digest of the blend. */
  @task()
  static blend(a: Image, b: Image): string {
    const out = new Uint8Array(a.pixels.length);
    for (let i = 0; i < out.length; i++) out[i] = ((a.pixels[i] as number) + (b.pixels[i] as number)) >> 1;
    return digest(out);
  }

  /** One image through two filters (a fan-out of its 8 MB) and a blend of both (a fan-in of 2 × 8 MB). */
  @workflow()
  static imagePipeline(spec: { width: number; height: number; seed: number }) {
    const image = DataAware.loadImage(spec);
    return DataAware.blend(DataAware.tone(image), DataAware.edges(image));
  }

  /** The partial product A_k × B_k of an `n × w` slice of A by a `w × n` slice of B (both made from seeds): an n × n block. */
  @task()
  static partial(job: { n: number; w: number; seed: number }): Block {
    const { n, w } = job;
    const a = fill(n * w, job.seed);
    const b = fill(w * n, job.seed + 7);
    const out = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < w; k++) {
        const aik = a[i * w + k] as number;
        const row = k * n;
        const o = i * n;
        for (let j = 0; j < n; j++) out[o + j] = (out[o + j] as number) + aik * (b[row + j] as number);
      }
    }
    return { rows: n, cols: n, data: out };
  }

  /** The sum of the partial products (the C block) and a digest of it. */
  @task()
  static sumBlocks(x: Block, y: Block): string {
    const out = new Float64Array(x.data.length);
    for (let i = 0; i < out.length; i++) out[i] = (x.data[i] as number) + (y.data[i] as number);
    return digest(new Uint8Array(out.buffer));
  }

  /** One C block of a GEMM with k split in two: two 8 MB partial products, summed (a fan-in of 2 × 8 MB). */
  @workflow()
  static gemmBlock(job: { n: number; w: number; seed: number }) {
    return DataAware.sumBlocks(DataAware.partial(job), DataAware.partial({ n: job.n, w: job.w, seed: job.seed + 1 }));
  }
}
