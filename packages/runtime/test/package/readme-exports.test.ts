/**
 * Every runtime function or class the README tells users to call is reachable by package name:
 * `@taskloom/runtime`, or a subpath of its `exports` map that the README documents. The names are
 * read from the README (its code blocks and inline code), so the test fails when README and
 * exports drift apart.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../..", import.meta.url));
const readme = readFileSync(join(root, "README.md"), "utf8");
const pkg = JSON.parse(readFileSync(join(root, "packages/runtime/package.json"), "utf8")) as { exports: Record<string, unknown> };

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : name.endsWith(".ts") ? [p] : [];
  });
}

/** Functions and classes some runtime source file exports (what a README name can refer to). */
const runtimeExports = new Set(
  sources(join(root, "packages/runtime/src")).flatMap((file) =>
    [...readFileSync(file, "utf8").matchAll(/^export (?:async )?(?:function|class) ([A-Za-z_$][\w$]*)/gm)].map((m) => m[1]!),
  ),
);

/** Names the README calls (`name(`), constructs, or imports from `@taskloom/runtime…`, that are runtime exports. */
function readmeNames(): string[] {
  const blocks = [...readme.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const prose = readme.replace(/```[a-z]*\n[\s\S]*?```/g, "");
  const inline = [...prose.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
  const code = [...blocks, ...inline].join("\n");
  const names = new Set<string>();
  for (const m of code.matchAll(/\b([A-Za-z_$][\w$]*)\s*\(/g)) names.add(m[1]!);
  for (const m of code.matchAll(/\binstanceof\s+([A-Za-z_$][\w$]*)/g)) names.add(m[1]!);
  for (const m of code.matchAll(/import\s*\{([^}]*)\}\s*from\s*"@taskloom\/runtime[^"]*"/g)) {
    for (const n of m[1]!.split(",")) names.add(n.replace(/\btype\b/, "").trim());
  }
  return [...names].filter((n) => runtimeExports.has(n)).sort();
}

/** Subpaths of the exports map the README names (`@taskloom/runtime/<sub>`). */
const documentedSubpaths = Object.keys(pkg.exports).filter((sub) => sub === "." || readme.includes(`@taskloom/runtime/${sub.slice(2)}`));

describe("README and the package's exports", () => {
  it("reads a good number of runtime names from the README (the scan works)", () => {
    expect(readmeNames()).toEqual(
      expect.arrayContaining(["createRemoteExecutor", "getRunStartMetrics", "subscribeRunLogs", "closeLocalPools", "TaskFailedError"]),
    );
  });

  it("every runtime name the README uses is exported by @taskloom/runtime or a documented subpath", async () => {
    const reachable = new Set<string>();
    for (const sub of documentedSubpaths) {
      const mod = (await import(sub === "." ? "@taskloom/runtime" : `@taskloom/runtime/${sub.slice(2)}`)) as Record<string, unknown>;
      for (const [name, value] of Object.entries(mod)) if (typeof value === "function") reachable.add(name);
    }
    expect(readmeNames().filter((n) => !reachable.has(n))).toEqual([]);
  });
});
