import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadGatewayConfig, parseGatewayConfig } from "../../dist/gateway/gateway-config.js";

const SAMPLE = fileURLToPath(new URL("../../../../examples/gateway/sample-config.json", import.meta.url));
const small = { name: "small", memoryMb: 256, threads: 1, maxWorkers: 2, keepAliveMs: 5000 };

function error(raw: unknown): { code?: string; message: string } {
  try {
    parseGatewayConfig(raw, "gw.json");
  } catch (e) {
    return e as { code?: string; message: string };
  }
  throw new Error("expected the configuration to be rejected");
}

describe("gateway configuration file", () => {
  it("fills in defaults and derives each configuration's queue from the key prefix", () => {
    const config = parseGatewayConfig({ configurations: [small] }, "gw.json");
    expect(config).toMatchObject({ keyPrefix: "tl", pollMs: 50, stallMs: 30_000, timeoutGraceMs: 500, stopGraceMs: 3000, statusPort: 7420 });
    expect(config.configurations[0]).toEqual({ ...small, leaseMs: 5000, queueKey: "tl:queue:{small}" });
    expect(parseGatewayConfig({ keyPrefix: "t2", configurations: [small] }, "x").configurations[0]!.queueKey).toBe("t2:queue:{small}");
  });

  it("rejects bad fields with a message naming the file, the field and the value", () => {
    expect(error({ configurations: [{ ...small, memoryMb: 0 }] })).toMatchObject({
      code: "TL_GATEWAY_CONFIG",
      message: "gw.json: configurations[0].memoryMb must be an integer >= 64, got 0",
    });
    expect(error({ configurations: [{ ...small, threads: 1.5 }] }).message).toBe("gw.json: configurations[0].threads must be a positive integer, got 1.5");
    expect(error({ configurations: [{ ...small, maxWorkers: undefined }] }).message).toBe(
      "gw.json: configurations[0].maxWorkers must be a positive integer, got nothing",
    );
    expect(error({ configurations: [small, { ...small }] }).message).toBe('gw.json: configurations[1].name "small" is used twice');
    expect(error({ configurations: [{ ...small, name: "a b" }] }).message).toMatch(/configurations\[0\]\.name must be a name .* got "a b"/);
    expect(error({ configurations: [{ ...small, cpu: 2 }] }).message).toMatch(/unknown field configurations\[0\]\.cpu; expected one of name, memoryMb, cpus/);
    expect(error({ configurations: [{ ...small, cpus: 0 }] }).message).toBe(
      "gw.json: configurations[0].cpus must be a number of cores from 0.01 to 1024 (0.5 = half a core), got 0",
    );
    expect(parseGatewayConfig({ configurations: [{ ...small, cpus: 0.5 }] }, "x").configurations[0]!.cpus).toBe(0.5);
    expect(error({ configurations: [] }).message).toBe("gw.json: configurations must be a non-empty array, got []");
    expect(error({ configurations: [{ ...small, leaseMs: 10 }] }).message).toBe("gw.json: configurations[0].leaseMs must be an integer >= 100, got 10");
    expect(error({ configurations: [small], pollMs: -1 }).message).toBe("gw.json: pollMs must be an integer >= 5, got -1");
    expect(error([small]).message).toMatch(/the configuration must be a JSON object/);
  });

  it("reads a file, and says so when the file is missing or not JSON", () => {
    expect(loadGatewayConfig(SAMPLE).configurations.map((c) => c.name)).toEqual(["default", "large"]);
    const dir = mkdtempSync(join(tmpdir(), "tl-gwconf-"));
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{ configurations: ");
    expect(() => loadGatewayConfig(bad)).toThrow(/bad\.json: not valid JSON/);
    expect(() => loadGatewayConfig(join(dir, "none.json"))).toThrow(/none\.json: cannot read the configuration file/);
  });
});
