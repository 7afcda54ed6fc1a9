import { createPrng } from "../common/prng.js";
import type { RgbImage } from "./image-pipeline.js";

/**
 * A deterministic RGB test picture: smooth colour gradients, a few discs and seeded noise.
 *
 * @param width - in pixels.
 * @param height - in pixels.
 * @param seed - PRNG seed of the discs and the noise.
 * @example
 * ```ts
 * const image = makeImage(640, 480, 1); // 921,600 bytes of RGB
 * ```
 */
export function makeImage(width: number, height: number, seed: number): RgbImage {
  const next = createPrng(seed);
  const discs = Array.from({ length: 6 }, () => ({
    x: next() * width,
    y: next() * height,
    r: (0.05 + next() * 0.2) * Math.min(width, height),
    rgb: [next() * 255, next() * 255, next() * 255],
  }));
  const pixels = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let rgb = [(255 * x) / width, (255 * y) / height, (255 * (x + y)) / (width + height)];
      for (const d of discs) if ((x - d.x) ** 2 + (y - d.y) ** 2 < d.r ** 2) rgb = d.rgb as number[];
      for (let ch = 0; ch < 3; ch++) {
        const noisy = (rgb[ch] as number) + (next() - 0.5) * 40;
        pixels[(y * width + x) * 3 + ch] = Math.max(0, Math.min(255, Math.round(noisy)));
      }
    }
  }
  return { width, height, pixels };
}
