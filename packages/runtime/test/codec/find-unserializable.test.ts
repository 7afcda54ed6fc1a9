import { describe, expect, it } from "vitest";
import { findUnserializable } from "../../src/codec/find-unserializable.js";

class Data {
  constructor(readonly x: number) {}
}
class WithMethods {
  a(): number {
    return 1;
  }
}

describe("findUnserializable", () => {
  it("passes what structured clone keeps", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    for (const v of [
      1,
      "s",
      null,
      undefined,
      2n,
      [1, [2]],
      new Map([["k", new Set([1])]]),
      new Date(),
      /x/,
      new Uint8Array(2),
      Buffer.from("a"),
      new Error("e"),
      new Data(1),
      cyclic,
      Object.create(null),
    ]) {
      expect(findUnserializable(v)).toBeUndefined();
    }
  });

  it("names the path and what it is", () => {
    expect(findUnserializable(() => 1)).toEqual({ path: "", what: "a function" });
    expect(findUnserializable({ items: [1, { cb: function cb() {} }] })).toEqual({ path: ".items[1].cb", what: "a function (cb)" });
    expect(findUnserializable(new Map([["k", Symbol("s")]]))).toEqual({ path: '.get("k")', what: "a symbol (Symbol(s))" });
    expect(findUnserializable({ "a b": new WeakMap() })).toEqual({ path: '["a b"]', what: "a WeakMap" });
    expect(findUnserializable([new WithMethods()])).toEqual({ path: "[0]", what: "an instance of class WithMethods with methods (a)" });
    expect(findUnserializable({ p: Promise.resolve(1) })?.what).toMatch(/^a Promise/);
    expect(findUnserializable({ c: Data })).toEqual({ path: ".c", what: "the class Data" });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    cyclic.f = () => 0;
    expect(findUnserializable(cyclic)).toEqual({ path: ".f", what: "a function" });
  });
});
