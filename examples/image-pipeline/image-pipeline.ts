import { task, workflow } from "@taskloom/sdk";

/** An RGB image: 3 bytes per pixel, row-major, `pixels.length === width * height * 3`. */
export interface RgbImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/** A grayscale image: 1 byte per pixel, row-major. */
export interface GrayImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/**
 * A horizontal band of an RGB image: rows `top .. top + rows - 1` of an image `imageHeight` high,
 * plus up to one halo row above and below so that a 3×3 filter needs no neighbour chunk.
 */
export interface ImageChunk {
  width: number;
  imageHeight: number;
  top: number;
  rows: number;
  haloTop: number;
  haloBottom: number;
  /** RGB bytes of the rows `top - haloTop .. top + rows + haloBottom - 1`. */
  pixels: Uint8Array;
}

/** A band of a grayscale image: rows `top .. top + rows - 1`. */
export interface GrayChunk {
  width: number;
  top: number;
  rows: number;
  pixels: Uint8Array;
}

/**
 * Image pipeline (the earlier system's image transform): decide the number of chunks, split the
 * image into horizontal bands, blur → grayscale each band (a chain inside a dynamic fan-out),
 * merge the bands and checksum the result. Bands carry halo rows, so the output does not depend
 * on the number of chunks.
 */
export class ImagePipeline {
  /** One chunk per 64 columns, at least 1 and at most 10 (the earlier system's rule). */
  @task()
  static chunkCount(image: RgbImage): number {
    return Math.max(1, Math.min(Math.floor(image.width / 64), 10));
  }

  /** Cuts the image into `count` horizontal bands of nearly equal height, with halo rows. */
  @task()
  static split(image: RgbImage, count: number): ImageChunk[] {
    const rowBytes = image.width * 3;
    const n = Math.max(1, Math.min(count, image.height));
    return Array.from({ length: n }, (_, c) => {
      const top = Math.round((c * image.height) / n);
      const end = Math.round(((c + 1) * image.height) / n);
      const haloTop = top > 0 ? 1 : 0;
      const haloBottom = end < image.height ? 1 : 0;
      return {
        width: image.width,
        imageHeight: image.height,
        top,
        rows: end - top,
        haloTop,
        haloBottom,
        pixels: image.pixels.slice((top - haloTop) * rowBytes, (end + haloBottom) * rowBytes),
      };
    });
  }

  /** A 3×3 box blur of the band's own rows (edges clamped to the image); drops the halo. */
  @task()
  static blur(chunk: ImageChunk): ImageChunk {
    const { width, top, rows, haloTop, imageHeight } = chunk;
    const out = new Uint8Array(rows * width * 3);
    const firstRow = top - haloTop;
    for (let y = 0; y < rows; y++) {
      const gy = top + y;
      for (let x = 0; x < width; x++) {
        for (let ch = 0; ch < 3; ch++) {
          let sum = 0;
          for (let dy = -1; dy <= 1; dy++) {
            const sy = Math.min(Math.max(gy + dy, 0), imageHeight - 1) - firstRow;
            for (let dx = -1; dx <= 1; dx++) {
              const sx = Math.min(Math.max(x + dx, 0), width - 1);
              sum += chunk.pixels[(sy * width + sx) * 3 + ch] as number;
            }
          }
          out[(y * width + x) * 3 + ch] = Math.floor((sum + 4) / 9);
        }
      }
    }
    return { width, imageHeight, top, rows, haloTop: 0, haloBottom: 0, pixels: out };
  }

  /** Luma of each pixel: (77 R + 150 G + 29 B + 128) / 256, integer arithmetic. */
  @task()
  static grayscale(chunk: ImageChunk): GrayChunk {
    const start = chunk.haloTop * chunk.width;
    const out = new Uint8Array(chunk.rows * chunk.width);
    for (let i = 0; i < out.length; i++) {
      const p = (start + i) * 3;
      const [r, g, b] = [chunk.pixels[p] as number, chunk.pixels[p + 1] as number, chunk.pixels[p + 2] as number];
      out[i] = (77 * r + 150 * g + 29 * b + 128) >> 8;
    }
    return { width: chunk.width, top: chunk.top, rows: chunk.rows, pixels: out };
  }

  /** Stacks the bands (in any order) into one grayscale image. */
  @task()
  static merge(chunks: GrayChunk[]): GrayImage {
    const width = chunks[0]?.width ?? 0;
    const height = chunks.reduce((h, c) => Math.max(h, c.top + c.rows), 0);
    const pixels = new Uint8Array(width * height);
    for (const c of chunks) pixels.set(c.pixels, c.top * width);
    return { width, height, pixels };
  }

  /** FNV-1a (32-bit) of the size and pixels, as 8 hex digits. */
  @task()
  static checksum(image: GrayImage): string {
    let h = 0x811c9dc5;
    const mix = (byte: number) => {
      h = Math.imul(h ^ byte, 0x01000193) >>> 0;
    };
    for (const v of [image.width, image.height]) for (let s = 0; s < 32; s += 8) mix((v >>> s) & 0xff);
    for (const byte of image.pixels) mix(byte);
    return h.toString(16).padStart(8, "0");
  }

  /** chunkCount → split → per band blur → grayscale → merge → checksum. */
  @workflow()
  static imagePipeline(image: RgbImage) {
    const count = ImagePipeline.chunkCount(image);
    const chunks = ImagePipeline.split(image, count);
    const gray = chunks.map((chunk) => ImagePipeline.grayscale(ImagePipeline.blur(chunk)));
    const merged = ImagePipeline.merge(gray);
    return { image: merged, checksum: ImagePipeline.checksum(merged) };
  }
}
