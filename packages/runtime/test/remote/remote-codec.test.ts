/** The Redis codec of outputs and inputs: exact round trips, JSON only where JSON is exact. */
import { describe, expect, it } from "vitest";
import { decodeRemote, encodeRemote } from "../../src/codec/remote-codec.js";

describe("remote codec", () => {
  it("round-trips primitives exactly, as JSON when JSON is exact and through V8 otherwise", () => {
    const viaJson: unknown[] = [0, 1, -1.5, 1e21, 5e-324, Number.MAX_SAFE_INTEGER, "", "J", "/w", "é ☃ 😀", "\ud800 lone", 'a"b\\c\n', true, false, null];
    for (const value of viaJson) {
      const text = encodeRemote(value);
      expect(text.startsWith("J"), String(value)).toBe(true);
      expect(decodeRemote(text)).toStrictEqual(value);
    }
    const viaV8: unknown[] = [-0, NaN, Infinity, -Infinity, undefined, 10n];
    for (const value of viaV8) {
      const text = encodeRemote(value);
      expect(text.startsWith("J"), String(value)).toBe(false);
      expect(Object.is(decodeRemote(text), value), String(value)).toBe(true);
    }
  });

  it("round-trips containers, dates, typed arrays and Buffers through V8", () => {
    const value = {
      list: [1, "two", [3]],
      map: new Map<unknown, unknown>([[1, { a: new Set(["x"]) }]]),
      at: new Date(5),
      bytes: new Float64Array([1.5, -0]),
      buf: Buffer.from("hi"),
      missing: undefined,
    };
    const back = decodeRemote(encodeRemote(value)) as typeof value;
    expect(back).toStrictEqual(value);
    expect(Buffer.isBuffer(back.buf)).toBe(true);
    expect(Object.is(back.bytes[1], -0)).toBe(true);
  });
});
