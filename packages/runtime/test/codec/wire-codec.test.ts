import { describe, expect, it } from "vitest";
import { NUMBER_MAP_TAG, NUMBER_RECORD_TAG, NUMBER_TABLE_MIN_SIZE } from "../../dist/codec/number-table-codec.js";
import { packWire, unpackWire } from "../../dist/codec/wire-codec.js";

const N = NUMBER_TABLE_MIN_SIZE;
const counts = (n: number) => new Map<string, number>(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
const record = (n: number) => Object.fromEntries(counts(n)) as Record<string, unknown>;

describe("packed wire form", () => {
  it("writes a large Map of strings to numbers in columnar form and reads it back exactly", () => {
    const map = counts(N).set("𝄞\u0000", NaN).set("z", -0);
    const bytes = packWire(map);
    expect(bytes[0]).toBe(NUMBER_MAP_TAG);
    const out = unpackWire(bytes) as Map<string, number>;
    expect([...out]).toEqual([...map]);
    expect(Object.is(out.get("z"), -0)).toBe(true);
  });

  it("writes a large plain object of numbers in columnar form: same keys, order, values", () => {
    const value = { ...record(N), "7": 7, "1": 1, __proto__x: 2, "": Infinity, "é☃": -0 };
    Object.defineProperty(value, "__proto__", { value: 5, enumerable: true, writable: true, configurable: true });
    const bytes = packWire(value);
    expect(bytes[0]).toBe(NUMBER_RECORD_TAG);
    const out = unpackWire(bytes) as Record<string, number>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(Object.keys(value));
    // biome-ignore lint/suspicious/noProto: an own "__proto__" key must survive the codec
    expect(Object.hasOwn(out, "__proto__") && out["__proto__"]).toBe(5);
    expect(out).toEqual(value);
    expect(Object.is(out["é☃"], -0)).toBe(true);
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, record(N));
    expect(packWire(bare)[0]).toBe(NUMBER_RECORD_TAG);
    expect(unpackWire(packWire(bare))).toEqual(structuredClone(bare));
  });

  it("uses V8's form for small tables, other types and tables with other keys or values", () => {
    const cases: unknown[] = [
      counts(N - 1),
      record(N - 1),
      new Map<unknown, number>(counts(N)).set(1, 1),
      counts(N).set("s", "x" as unknown as number),
      { ...record(N), s: "x" },
      Array.from({ length: N }, (_, i) => i),
      [1, "a"],
      { a: new Set([1]) },
    ];
    for (const value of cases) {
      const bytes = packWire(value);
      expect(bytes[0]).toBe(0xff);
      expect(unpackWire(bytes)).toEqual(value);
    }
  });
});
