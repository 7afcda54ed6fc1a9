import type { ClassDeclaration, Node, SourceFile } from "ts-morph";
import type { ArrayItem, GraphNode, SourceLocation, Value } from "@taskloom/sdk/internal";
import type { AnalysisContext } from "./analysis-context.js";

/** A `const` array that loops may push into; referencing it yields its items so far. */
export interface Accumulator {
  kind: "acc";
  name: string;
  items: ArrayItem[];
  /** The body whose scope declared the array. */
  builder: Builder;
}

/** What an identifier means inside a workflow body. */
export type Binding =
  | { kind: "value"; value: Value }
  | Accumulator
  /** A binding whose initializer already produced a diagnostic: uses of it stay silent. */
  | { kind: "error" };

/** The `for..of` loop a body is lowering: the map node id and what the body pushed. */
export interface LoopState {
  mapId: string;
  target?: Accumulator;
  items: ArrayItem[];
  /** Arrays declared outside the loop that its body reads (a read of its own target is an error). */
  reads: { acc: Accumulator; at: Node }[];
}

/** Collects the nodes of one graph body (the workflow, a map callback or a loop body). */
export interface Builder {
  nodes: GraphNode[];
  loop?: LoopState;
}

/** Lexical scope of const bindings, chained to the enclosing scope. */
export class Scope {
  private readonly vars = new Map<string, Binding>();

  constructor(
    readonly builder: Builder,
    readonly parent?: Scope,
  ) {}

  /** Finds a binding in this scope or an enclosing one. */
  lookup(name: string): Binding | undefined {
    return this.vars.get(name) ?? this.parent?.lookup(name);
  }

  /** Binds a name in this scope. */
  bind(name: string, binding: Binding): void {
    this.vars.set(name, binding);
  }

  /** Records a read of an accumulator in every loop between this scope and its declaration. */
  noteRead(acc: Accumulator, at: Node): void {
    for (let scope: Scope | undefined = this; scope !== undefined && scope.builder !== acc.builder; scope = scope.parent) {
      scope.builder.loop?.reads.push({ acc, at });
    }
  }

  /** A child scope for a new graph body. */
  child(builder: Builder): Scope {
    return new Scope(builder, this);
  }
}

/** Per-workflow state: where it is, the id counters and the shared analysis context. */
export class WorkflowState {
  private readonly counters = new Map<string, number>();
  /**
   * Above 0 while lowering code that never runs (the arm of a branch whose test is a constant):
   * it is checked for diagnostics, but its nodes are dropped and its inline steps not emitted.
   */
  dead = 0;

  constructor(
    readonly ctx: AnalysisContext,
    readonly file: SourceFile,
    readonly classDecl: ClassDeclaration,
    readonly method: Node & { getName(): string },
  ) {}

  /** Next node id with a prefix: `n` for tasks, `m` for maps, `r` for reduces, `i` for inline steps, `b` for branches. */
  nextId(prefix: "n" | "m" | "r" | "i" | "b"): string {
    const next = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, next);
    return `${prefix}${next}`;
  }

  /**
   * Registers the generated function of an inline step and returns its stable id,
   * `file#Class.workflow$n` (numbered in source order within the workflow).
   */
  addInline(code: string, loc: SourceLocation): string {
    const n = (this.counters.get("$") ?? 0) + 1;
    this.counters.set("$", n);
    const id = `${this.ctx.relativePath(this.file)}#${this.classDecl.getName() ?? "default"}.${this.method.getName()}$${n}`;
    if (this.dead === 0) this.ctx.addInline(id, { code, loc });
    return id;
  }
}
