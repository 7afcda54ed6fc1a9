import { describe, expect, it } from "vitest";
import { chunkText, chunkTextInto, sliceTextInto } from "./chunk-text.js";
import { makeText } from "./make-text.js";
import { createPrng } from "./prng.js";

describe("example input helpers", () => {
  it("chunkText cuts only at whitespace and loses nothing", () => {
    expect(chunkText("a bb ccc dddd", 4)).toEqual(["a bb", " ccc", " dddd"]);
    const text = makeText(50_000, 5);
    const chunks = chunkText(text, 1_000);
    expect(chunks.join("")).toBe(text);
    for (const c of chunks.slice(1)) expect(c.charAt(0)).toMatch(/\s/);
  });

  it("sliceTextInto gives exactly the requested number of covering slices", () => {
    const text = makeText(10_000, 9);
    for (const count of [1, 7, 32]) {
      const slices = sliceTextInto(text, count);
      expect(slices).toHaveLength(count);
      expect(slices[0]?.start).toBe(0);
      expect(slices.at(-1)?.end).toBe(text.length);
      for (let i = 1; i < slices.length; i++) expect(slices[i]?.start).toBe(slices[i - 1]?.end);
    }
  });

  it("chunkTextInto gives exactly the requested number of chunks, cut at whitespace", () => {
    expect(chunkTextInto("a bb ccc dddd", 2)).toEqual(["a bb ccc", " dddd"]);
    const text = makeText(50_000, 5);
    const chunks = chunkTextInto(text, 64);
    expect(chunks).toHaveLength(64);
    expect(chunks.join("")).toBe(text);
    for (const c of chunks.slice(1)) expect(c.charAt(0)).toMatch(/\s/);
  });

  it("rejects bad sizes with a message naming the argument", () => {
    expect(() => chunkText("abc", 0)).toThrow("chunkSize must be a positive integer, got 0");
    expect(() => sliceTextInto("abc", -1)).toThrow("count must be a positive integer, got -1");
    expect(() => makeText(1.5, 1)).toThrow("bytes must be a non-negative integer, got 1.5");
  });

  it("makeText is exactly the requested length and the PRNG is reproducible", () => {
    expect(makeText(12_345, 2)).toHaveLength(12_345);
    const [a, b] = [createPrng(42), createPrng(42)];
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });
});
