import type { GraphBody, SourceLocation } from "@taskloom/sdk/internal";

/** Source location of every task and reduce node of a workflow (map bodies included), by node id. */
export function nodeLocations(body: GraphBody, into = new Map<string, SourceLocation>()): Map<string, SourceLocation> {
  for (const node of body.nodes) {
    into.set(node.id, node.loc);
    if (node.kind === "map") nodeLocations(node.body, into);
  }
  return into;
}
