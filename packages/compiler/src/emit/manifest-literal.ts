import type { ModuleManifest } from "@taskloom/sdk/internal";
import { canonical } from "./stable-json.js";

type Json = unknown;

function compact(value: Json): string {
  return JSON.stringify(value);
}

function block(open: string, close: string, items: string[], indent: string): string {
  if (items.length === 0) return `${open}${close}`;
  return `${open}\n${items.map((i) => `${indent}  ${i}`).join(",\n")}\n${indent}${close}`;
}

function entries(value: Record<string, Json>, indent: string, expand: (key: string, v: Json, indent: string) => string): string {
  return block(
    "{",
    "}",
    Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${expand(k, v, `${indent}  `)}`),
    indent,
  );
}

function workflowLiteral(workflow: Record<string, Json>, indent: string): string {
  return entries(workflow, indent, (key, v, inner) => (key === "nodes" && Array.isArray(v) ? block("[", "]", v.map(compact), inner) : compact(v)));
}

/**
 * Formats a manifest as the object literal of the generated module: the same JSON (and key
 * order) as the manifest file, laid out with one task and one graph node per line, so that a
 * 1,000-node workflow reads as 1,000 lines and a change to one node is a one-line diff.
 */
export function formatManifestLiteral(manifest: ModuleManifest): string {
  const root = canonical(manifest) as Record<string, Json>;
  return entries(root, "", (key, v, inner) => {
    if (key === "tasks") return entries(v as Record<string, Json>, inner, (_k, t) => compact(t));
    if (key === "workflows" && Array.isArray(v)) {
      return block(
        "[",
        "]",
        v.map((w) => workflowLiteral(w as Record<string, Json>, `${inner}  `)),
        inner,
      );
    }
    return compact(v);
  });
}
