import type { GraphBody, SourceLocation } from "@taskloom/sdk/internal";

/** Source location of every node of a workflow (map bodies and branch arms included), by node id. */
export function nodeLocations(body: GraphBody, into = new Map<string, SourceLocation>()): Map<string, SourceLocation> {
  for (const node of body.nodes) {
    into.set(node.id, node.loc);
    if (node.kind === "map") nodeLocations(node.body, into);
    else if (node.kind === "branch") for (const arm of node.arms) nodeLocations(arm, into);
  }
  return into;
}
