import { describe, expect, it } from "vitest";
import { Add } from "./tree-reduction.js";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("tree-reduction example", () => {
  it("sums 1,024 numbers to 523,776 and 2,048 numbers to 2,096,128", () => {
    expect(Add.treeReduction(range(1024))).toBe(523_776);
    expect(Add.treeReduction(range(2048))).toBe(2_096_128);
  });

  it("gives the same sums with one leaf task per number", () => {
    expect(Add.leafTreeReduction(range(1024))).toBe(523_776);
    expect(Add.leafTreeReduction(range(2048))).toBe(2_096_128);
  });

  it("handles a single item and an odd count", () => {
    expect(Add.treeReduction([41])).toBe(41);
    expect(Add.treeReduction(range(7))).toBe(21);
  });
});
