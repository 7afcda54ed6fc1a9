/** Task display names, with and without the run's manifest. */
import { describe, expect, it } from "vitest";
import type { ModuleManifest } from "@taskloom/sdk/internal";
import { taskNameOf } from "../../src/protocol/manifest-check.js";

describe("taskNameOf", () => {
  const manifest = {
    tasks: {
      "src/a.ts#Etl.load": { exportName: "Etl", method: "load" },
      "src/a.ts#Etl.save": { exportName: "Etl", method: "save", options: { name: "store rows" } },
    },
  } as unknown as ModuleManifest;

  it("names a task by its name option, else Class.method, and keeps the id of a task the manifest lacks", () => {
    expect(taskNameOf(manifest, "src/a.ts#Etl.load")).toBe("Etl.load");
    expect(taskNameOf(manifest, "src/a.ts#Etl.save")).toBe("store rows");
    expect(taskNameOf(manifest, "src/b.ts#Other.x")).toBe("src/b.ts#Other.x");
  });

  it("without a manifest (a past run's metadata is gone), names a task by the Class.method its id ends with", () => {
    expect(taskNameOf(undefined, "src/a.ts#Etl.load")).toBe("Etl.load");
    expect(taskNameOf(undefined, "plain")).toBe("plain");
  });
});
