import { describe, expect, it } from "vitest";
import { FanOutFanIn } from "./fanout-fanin.js";

describe("fanout-fanin example", () => {
  it("gives 18,766,224", () => {
    expect(FanOutFanIn.fanoutFanin()).toBe(18_766_224);
  });

  it("has the intermediate values of the reference (b1 = 38, c1 = 1,444, b2 = 4,332)", () => {
    const b1 = FanOutFanIn.b([FanOutFanIn.a(2, 3), FanOutFanIn.a(3, 4), FanOutFanIn.a(4, 5)]);
    expect(b1).toBe(38);
    expect(FanOutFanIn.c(b1)).toBe(1_444);
    expect(FanOutFanIn.b([1_444, 1_444, 1_444])).toBe(4_332);
  });
});
