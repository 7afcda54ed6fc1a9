import type { Value } from "@taskloom/sdk/internal";

/** What `element`, `index` and node ids mean inside one instantiation of a graph body. */
export interface Scope {
  readonly parent: Scope | undefined;
  /** Instance-id suffix of this scope: `""` at top level, `[2]`, `[2][0]` inside maps. */
  readonly suffix: string;
  /** Node id → the value standing for its result in this scope (`node` of an entry id). */
  readonly nodes: Map<string, Value>;
  /** Map id → element value and index of the element this scope instantiates. */
  readonly elements: Map<string, { element: Value; index: number }>;
}

export function lookupNode(scope: Scope, nodeId: string): Value {
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    const v = s.nodes.get(nodeId);
    if (v) return v;
  }
  throw new Error(`internal: node ${nodeId} is used before it is defined`);
}

function lookupElement(scope: Scope, mapId: string): { element: Value; index: number } {
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    const v = s.elements.get(mapId);
    if (v) return v;
  }
  throw new Error(`internal: element of map ${mapId} used outside of it`);
}

/** Replaces `element`, `index` and graph node ids by what they mean in `scope`. */
export function substitute(value: Value, scope: Scope): Value {
  switch (value.kind) {
    case "literal":
    case "undefined":
    case "input":
      return value;
    case "element":
      return lookupElement(scope, value.map).element;
    case "index":
      return { kind: "literal", value: lookupElement(scope, value.map).index };
    case "node":
      return lookupNode(scope, value.node);
    case "get":
      return { kind: "get", of: substitute(value.of, scope), path: value.path };
    case "array":
      return { kind: "array", items: value.items.map((i) => ({ spread: i.spread, value: substitute(i.value, scope) })) };
    case "object":
      return {
        kind: "object",
        entries: value.entries.map((e) =>
          e.spread ? { spread: true as const, value: substitute(e.value, scope) } : { key: e.key, value: substitute(e.value, scope) },
        ),
      };
  }
}

/** Adds to `into` the ids of every `node` a value reads. */
export function collectRefs(value: Value, into: Set<string>): Set<string> {
  switch (value.kind) {
    case "node":
      into.add(value.node);
      break;
    case "get":
      collectRefs(value.of, into);
      break;
    case "array":
      for (const item of value.items) collectRefs(item.value, into);
      break;
    case "object":
      for (const entry of value.entries) collectRefs(entry.value, into);
      break;
    default:
      break;
  }
  return into;
}

/**
 * Simplifies `get` of statically known structure: `[a, b][1]` → `b`, `{k: v}.k` → `v`,
 * a literal's property → a literal. `expand` turns a `node` into the value it stands for when
 * that is known (an expanded map's array), or returns undefined.
 */
export function simplifyGet(of: Value, path: readonly (string | number)[], expand: (v: Value) => Value | undefined): Value {
  let target = of;
  let i = 0;
  for (; i < path.length; i++) {
    const key = path[i] as string | number;
    const next = stepInto(target, key, expand);
    if (next === undefined) break;
    target = next;
  }
  return i === path.length ? target : { kind: "get", of: target, path: path.slice(i) };
}

function stepInto(target: Value, key: string | number, expand: (v: Value) => Value | undefined): Value | undefined {
  switch (target.kind) {
    case "node": {
      const expanded = expand(target);
      return expanded ? stepInto(expanded, key, expand) : undefined;
    }
    case "literal": {
      const lit = target.value;
      if (lit === null || typeof lit !== "object") return undefined;
      if (Array.isArray(lit)) {
        if (typeof key !== "number") return key === "length" ? { kind: "literal", value: lit.length } : undefined;
        const item = lit[key];
        return item === undefined ? { kind: "undefined" } : { kind: "literal", value: item };
      }
      if (typeof key !== "string" || !Object.hasOwn(lit, key)) return undefined;
      return { kind: "literal", value: lit[key] as NonNullable<typeof lit>[string] };
    }
    case "array": {
      if (typeof key !== "number") return undefined;
      // Only items before the first spread have a fixed position.
      for (let i = 0; i <= key && i < target.items.length; i++) {
        const item = target.items[i];
        if (!item || item.spread) return undefined;
        if (i === key) return item.value;
      }
      return undefined;
    }
    case "object": {
      if (typeof key !== "string") return undefined;
      for (let i = target.entries.length - 1; i >= 0; i--) {
        const entry = target.entries[i];
        if (!entry || entry.spread) return undefined;
        if (entry.key === key) return entry.value;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}
