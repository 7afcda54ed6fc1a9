import { Node, type MethodDeclaration, type TypeNode } from "ts-morph";
import type { TaskStream } from "@taskloom/sdk/internal";

/** Type names whose values are read chunk by chunk with `for await`. */
const STREAM_TYPES = new Set(["AsyncIterable", "AsyncIterableIterator", "AsyncGenerator", "ReadableStream"]);
/** Type names a streaming parameter may declare (a `ReadableStream` parameter is not supported: the runtime hands an `AsyncIterable`). */
const STREAM_PARAM_TYPES = new Set(["AsyncIterable", "AsyncIterableIterator"]);

/** The name of a type reference (`AsyncIterable<T>` → `AsyncIterable`, `NodeJS.ReadableStream` → `ReadableStream`). */
function referenceName(type: TypeNode): string | undefined {
  if (!Node.isTypeReference(type)) return undefined;
  const name = type.getTypeName();
  return Node.isIdentifier(name) ? name.getText() : name.getRight().getText();
}

/** Whether a declared type is a stream of chunks (or a Promise of one when `promised`). */
function isStreamType(type: TypeNode | undefined, names: ReadonlySet<string>, promised: boolean): boolean {
  if (type === undefined) return false;
  const name = referenceName(type);
  if (name === undefined) return false;
  if (names.has(name)) return true;
  const [inner] = Node.isTypeReference(type) ? type.getTypeArguments() : [];
  return promised && name === "Promise" && isStreamType(inner, names, false);
}

/**
 * How a `@task` method streams, read from its declared types (syntactically, as the whole analysis):
 * it returns a stream when it is an `async *` method or declares an `AsyncIterable`,
 * `AsyncIterableIterator`, `AsyncGenerator` or `ReadableStream` return type (or a `Promise` of one);
 * it reads a stream at each parameter declared `AsyncIterable<T>` or `AsyncIterableIterator<T>`.
 * Undefined for an ordinary task.
 */
export function streamSignature(decl: MethodDeclaration): TaskStream | undefined {
  const output = (decl.isAsync() && decl.isGenerator()) || isStreamType(decl.getReturnTypeNode(), STREAM_TYPES, true);
  const params: number[] = [];
  decl.getParameters().forEach((p, i) => {
    if (!p.isRestParameter() && isStreamType(p.getTypeNode(), STREAM_PARAM_TYPES, false)) params.push(i);
  });
  if (!output && params.length === 0) return undefined;
  return { ...(output ? { output: true as const } : {}), ...(params.length > 0 ? { params } : {}) };
}
