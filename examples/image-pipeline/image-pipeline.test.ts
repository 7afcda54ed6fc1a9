import { describe, expect, it } from "vitest";
import { ImagePipeline, type RgbImage } from "./image-pipeline.js";
import { makeImage } from "./make-image.js";

/** Blur → grayscale of the whole image as one band: what any split must reproduce. */
function wholeImage(image: RgbImage) {
  const [band] = ImagePipeline.split(image, 1);
  return ImagePipeline.merge([ImagePipeline.grayscale(ImagePipeline.blur(band!))]);
}

describe("image-pipeline example", () => {
  it("splits a 640×480 image into 10 bands and matches processing it whole", () => {
    const image = makeImage(640, 480, 1);
    expect(ImagePipeline.chunkCount(image)).toBe(10);
    const { image: gray, checksum } = ImagePipeline.imagePipeline(image);
    expect(gray.width).toBe(640);
    expect(gray.height).toBe(480);
    expect(gray.pixels).toEqual(wholeImage(image).pixels);
    expect(checksum).toMatch(/^[0-9a-f]{8}$/);
    expect(checksum).toBe(ImagePipeline.checksum(wholeImage(image)));
  });

  it("blurs and grays a uniform image to the known luma", () => {
    const pixels = new Uint8Array(200 * 10 * 3);
    for (let i = 0; i < pixels.length; i += 3) pixels.set([200, 100, 50], i);
    const { image } = ImagePipeline.imagePipeline({ width: 200, height: 10, pixels });
    // (77·200 + 150·100 + 29·50 + 128) >> 8 = 31978 >> 8 = 124
    expect(new Set(image.pixels)).toEqual(new Set([124]));
  });

  it("gives a different checksum for a different image", () => {
    const a = ImagePipeline.imagePipeline(makeImage(128, 64, 1)).checksum;
    const b = ImagePipeline.imagePipeline(makeImage(128, 64, 2)).checksum;
    expect(a).not.toBe(b);
  });
});
