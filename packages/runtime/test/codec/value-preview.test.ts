/**
 * Value previews: the JSON form of a value with its types (superjson), bounded in size, as the
 * dashboard API serves run inputs, results and task error fields.
 */
import { describe, expect, it } from "vitest";
import superjson from "superjson";
import { previewText, previewValue, revivePreview } from "@taskloom/runtime";

describe("value previews", () => {
  it("keep Map, Set, Date, BigInt, typed arrays, undefined, NaN and -0 through JSON", () => {
    const value = {
      m: new Map<unknown, unknown>([
        ["a", new Date(0)],
        [1, new Set([2n])],
      ]),
      u: undefined,
      f: new Float64Array([1.5, -2]),
      i: new Int32Array([7]),
      n: Number.NaN,
      z: -0,
      r: /ab+/g,
      big: 2n ** 70n,
    };
    const p = previewValue(value);
    expect(p.truncated).toBe(false);
    const wire = JSON.parse(JSON.stringify(p)) as typeof p;
    expect(revivePreview(wire)).toEqual(value);
    expect(Object.is((revivePreview(wire) as typeof value).z, -0)).toBe(true);
    // The same form as superjson's own, so a page or another process reads it with superjson.deserialize.
    expect(superjson.deserialize({ json: wire.json, meta: wire.meta } as never)).toEqual(value);
    expect(p.size).toBe(JSON.stringify({ json: p.json, meta: p.meta }).length);
  });

  it("a plain JSON value has no meta", () => {
    const p = previewValue({ a: [1, "x", null, true] });
    expect(p).toEqual({ json: { a: [1, "x", null, true] }, truncated: false, size: JSON.stringify({ json: { a: [1, "x", null, true] } }).length });
  });

  it("cuts large values to the bound, saying how much was left out", () => {
    const big = {
      xs: Array.from({ length: 100_000 }, (_, i) => i),
      text: "y".repeat(50_000),
      map: new Map(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])),
      typed: new Float32Array(1_000_000),
    };
    for (const bound of [4096, 512]) {
      const p = previewValue(big, bound);
      expect(p.truncated).toBe(true);
      expect(p.size).toBeLessThanOrEqual(bound);
      const back = revivePreview<typeof big>(p);
      expect(back.xs.at(-1)).toMatch(/^… \d+ more items$/);
      expect(back.text).toMatch(/^y+… \d+ more characters$/);
      expect(back.map).toBeInstanceOf(Map);
      expect(back.map.get("…")).toMatch(/^… \d+ more entries$/);
      expect(back.typed).toBeInstanceOf(Float32Array);
      expect(back.typed.length).toBeLessThan(1000);
    }
    const tiny = previewValue(big, 60);
    expect(tiny.size).toBeLessThanOrEqual(60);
  });

  it("never throws: functions, symbols, cycles, deep nesting, Buffers and class instances are described", () => {
    class Point {
      constructor(readonly x: number) {}
      norm(): number {
        return this.x;
      }
    }
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    let deep: unknown = "bottom";
    for (let i = 0; i < 20; i++) deep = { d: deep };
    const p = previewValue({ fn: function named() {}, s: Symbol("s"), cyclic, deep, b: Buffer.from("hi"), pt: new Point(3), big: new BigInt64Array([5n]) });
    const back = revivePreview<Record<string, unknown>>(JSON.parse(JSON.stringify(p)));
    expect(back).toMatchObject({
      fn: "[function named]",
      s: "[Symbol(s)]",
      cyclic: { a: 1, self: "[circular]" },
      b: new Uint8Array([104, 105]),
      pt: { x: 3 },
      big: [5n],
    });
    expect(JSON.stringify(back.deep)).toContain("[Object]");
    expect(p.truncated).toBe(true);
    expect(previewText(new Map([["a", 1]]))).toBe('{"json":[["a",1]],"meta":{"values":["map"],"v":1}}');
  });
});
