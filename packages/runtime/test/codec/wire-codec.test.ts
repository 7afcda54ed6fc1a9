import { describe, expect, it } from "vitest";
import { NUMBER_MAP_MIN_SIZE, NUMBER_MAP_TAG } from "../../dist/codec/number-map-codec.js";
import { packWire, unpackWire } from "../../dist/codec/wire-codec.js";

const counts = (n: number) => new Map<string, number>(Array.from({ length: n }, (_, i) => [`k${i}`, i]));

describe("packed wire form", () => {
  it("writes a large Map of strings to numbers in columnar form and reads it back exactly", () => {
    const map = counts(NUMBER_MAP_MIN_SIZE).set("𝄞\u0000", NaN).set("z", -0);
    const bytes = packWire(map);
    expect(bytes[0]).toBe(NUMBER_MAP_TAG);
    const out = unpackWire(bytes) as Map<string, number>;
    expect([...out]).toEqual([...map]);
    expect(Object.is(out.get("z"), -0)).toBe(true);
  });

  it("uses V8's form for small Maps, other types and Maps with other keys or values", () => {
    const cases: unknown[] = [counts(NUMBER_MAP_MIN_SIZE - 1), new Map<unknown, number>(counts(NUMBER_MAP_MIN_SIZE)).set(1, 1), counts(NUMBER_MAP_MIN_SIZE).set("s", "x" as unknown as number), [1, "a"], { a: new Set([1]) }];
    for (const value of cases) {
      const bytes = packWire(value);
      expect(bytes[0]).toBe(0xff);
      expect(unpackWire(bytes)).toEqual(value);
    }
  });
});
