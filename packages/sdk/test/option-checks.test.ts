/**
 * The one set of option checks every boundary uses (@task/@workflow, run options, the gateway's
 * configuration, dag-worker's flags): the same words for the same fault, the caller's error class.
 */
import { describe, expect, it } from "vitest";
import { InvalidOptionError, isTaskloomError } from "@taskloom/sdk";
import { checkInteger, checkIntegerText, checkKeys, requireInteger, showValue } from "@taskloom/sdk/internal";

class Custom extends Error {}
function failWith(message: string): never {
  throw new Custom(`where: ${message}`);
}

describe("option checks", () => {
  it("show a value: strings quoted, missing as nothing, functions and class instances by kind, plain data as cut JSON", () => {
    expect(showValue("a")).toBe('"a"');
    expect(showValue(0)).toBe("0");
    expect(showValue(undefined)).toBe("nothing");
    expect(showValue(null)).toBe("null");
    expect(showValue(() => 1)).toBe("a function");
    expect(showValue(10n)).toBe("10n");
    expect(showValue([1, 2])).toBe("[1,2]");
    expect(showValue({ a: 1 })).toBe('{"a":1}');
    expect(showValue(new Map())).toBe("an instance of Map");
    expect(showValue(new AbortController())).toBe("an instance of AbortController");
    expect(showValue({ big: 1n })).toBe("an object");
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(showValue(cyclic)).toBe("an array");
    const long = showValue({ text: "x".repeat(200) });
    expect(long).toHaveLength(61);
    expect(long.endsWith("…")).toBe(true);
  });

  it("integers: positive, non-negative or at least n; missing passes unless required", () => {
    expect(checkInteger("options.n", 3, 1)).toBe(3);
    expect(checkInteger("options.n", undefined, 1)).toBeUndefined();
    expect(() => checkInteger("options.n", 0, 1)).toThrow(new InvalidOptionError("options.n must be a positive integer, got 0"));
    expect(() => checkInteger("options.n", -1, 0)).toThrow("options.n must be a non-negative integer, got -1");
    expect(() => checkInteger("options.n", 1.5, 5)).toThrow("options.n must be an integer >= 5, got 1.5");
    expect(() => checkInteger("options.n", "3", 1)).toThrow('options.n must be a positive integer, got "3"');
    expect(() => requireInteger("n", undefined, 1, failWith)).toThrow(new Custom("where: n must be a positive integer, got nothing"));
    try {
      checkInteger("options.n", 0, 1);
    } catch (e) {
      expect(isTaskloomError(e, "TL_INVALID_OPTION")).toBe(true);
    }
  });

  it("command-line integers name the text typed", () => {
    expect(checkIntegerText("--concurrency", "4", 1)).toBe(4);
    expect(checkIntegerText("--concurrency", undefined, 1)).toBeUndefined();
    expect(() => checkIntegerText("--concurrency", "", 1)).toThrow('--concurrency must be a positive integer, got ""');
    expect(() => checkIntegerText("--concurrency", "two", 1)).toThrow('--concurrency must be a positive integer, got "two"');
  });

  it("unknown keys: the caller's words and error", () => {
    const allowed = new Set(["a", "b"]);
    expect(() => checkKeys({ a: 1 }, allowed, () => "never")).not.toThrow();
    expect(() => checkKeys({ a: 1, c: 2 }, allowed, (k, e) => `unknown field ${k}; expected one of ${e}`, failWith)).toThrow(
      new Custom("where: unknown field c; expected one of a, b"),
    );
  });
});
