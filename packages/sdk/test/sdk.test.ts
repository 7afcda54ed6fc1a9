import { describe, expect, it } from "vitest";
import { getTaskNames, getTaskOptions, getWorkflowOptions, task, treeReduce, workflow } from "@taskloom/sdk";

class Maths {
  @task({ retries: 2, timeoutMs: 1000 }) static add(a: number, b: number): number {
    return a + b;
  }
  @task() static async addLater(a: string, b: string): Promise<string> {
    return `(${a}+${b})`;
  }
  @workflow({ name: "sum" }) static sum(xs: number[]): number {
    return treeReduce(xs, Maths.add);
  }
}

describe("@task and @workflow", () => {
  it("leave methods callable and record options with reflect-metadata", () => {
    expect(Maths.add(2, 3)).toBe(5);
    expect(getTaskOptions(Maths, "add")).toEqual({ retries: 2, timeoutMs: 1000 });
    expect(getTaskOptions(Maths, "addLater")).toEqual({});
    expect(getTaskOptions(Maths, "sum")).toBeUndefined();
    expect(getWorkflowOptions(Maths, "sum")).toEqual({ name: "sum" });
    expect(getTaskNames(Maths)).toEqual(["add", "addLater"]);
    expect(Reflect.getMetadata("taskloom:task", Maths, "add")).toEqual({ retries: 2, timeoutMs: 1000 });
  });

  it("reject invalid options with the option's name and value", () => {
    expect(() => {
      class Bad {
        @task({ retries: -1 }) static t(): void {}
      }
      return Bad;
    }).toThrow("@task on t: options.retries must be a non-negative integer, got -1");
    expect(() => {
      class Bad {
        @task({ memoryMb: 8 }) static t(): void {}
      }
      return Bad;
    }).toThrow("options.memoryMb must be at least 16, got 8");
    expect(() => {
      class Bad {
        // @ts-expect-error unknown option
        @task({ retry: 1 }) static t(): void {}
      }
      return Bad;
    }).toThrow('unknown option "retry"');
  });

  it("reject non-static methods and workflows with two parameters", () => {
    expect(() => {
      class Bad {
        @task() t(): void {}
      }
      return Bad;
    }).toThrow("@task decorates static methods only");
    expect(() => {
      class Bad {
        @workflow() static w(_a: number, _b: number): void {}
      }
      return Bad;
    }).toThrow("a workflow takes at most one input");
  });
});

describe("treeReduce", () => {
  it("pairs level by level and carries an odd item up", () => {
    const concat = (a: string, b: string) => `(${a}${b})`;
    expect(treeReduce(["a", "b", "c", "d", "e"], concat)).toBe("(((ab)(cd))e)");
    expect(treeReduce(["a"], concat)).toBe("a");
    expect(Maths.sum(Array.from({ length: 1024 }, (_, i) => i))).toBe(523776);
  });

  it("works with async combine functions", async () => {
    await expect(treeReduce(["a", "b", "c"], Maths.addLater)).resolves.toBe("((a+b)+c)");
  });

  it("rejects an empty array", () => {
    expect(() => treeReduce([], Maths.add)).toThrow("treeReduce needs at least one item");
  });
});
