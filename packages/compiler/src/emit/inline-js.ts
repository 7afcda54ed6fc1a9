import { transform } from "esbuild";
import { BundleError } from "../errors.js";
import type { EmitInline } from "./emit-task.js";

/**
 * The JavaScript of each inline step's generated function (esbuild strips the TypeScript), for the
 * manifest: main threads build the functions from it without importing the bundle.
 *
 * @example
 * ```ts
 * await inlineJs({ "a.ts#A.w$1": { code: "($0: number) => ($0 + 1)", loc } }); // { "a.ts#A.w$1": "($0) => $0 + 1" }
 * ```
 * @throws BundleError when a function does not parse.
 */
export async function inlineJs(inline: Record<string, EmitInline>): Promise<Record<string, string>> {
  const ids = Object.keys(inline).sort();
  const out = await Promise.all(
    ids.map(async (id) => {
      const { code, loc } = inline[id]!;
      try {
        const result = await transform(`(${code});`, { loader: "ts", target: "node20", format: "esm" });
        return result.code.trim().replace(/;$/, "");
      } catch (error) {
        throw new BundleError(`the inline step ${id} (${loc.file}:${loc.line}:${loc.column}) does not compile: ${(error as Error).message}`, { cause: error });
      }
    }),
  );
  return Object.fromEntries(ids.map((id, i) => [id, out[i]!]));
}
