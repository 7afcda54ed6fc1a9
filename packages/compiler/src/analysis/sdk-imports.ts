import { Node, type SourceFile } from "ts-morph";

/** The module users import the decorators and `treeReduce` from. */
export const SDK_MODULE = "@taskloom/sdk";

/** The local names under which a file imports the SDK's `task`, `workflow` and `treeReduce`. */
export interface SdkNames {
  /** Local name → SDK export name (`task`, `workflow`, `treeReduce`). */
  named: Map<string, string>;
  /** Local names of `import * as ns from "@taskloom/sdk"`. */
  namespaces: Set<string>;
}

const cache = new WeakMap<SourceFile, SdkNames>();

/** Reads (and caches) the SDK imports of a file. */
export function getSdkNames(file: SourceFile): SdkNames {
  let names = cache.get(file);
  if (names !== undefined) return names;
  names = { named: new Map(), namespaces: new Set() };
  for (const decl of file.getImportDeclarations()) {
    if (decl.getModuleSpecifierValue() !== SDK_MODULE) continue;
    for (const spec of decl.getNamedImports()) {
      names.named.set(spec.getAliasNode()?.getText() ?? spec.getName(), spec.getName());
    }
    const ns = decl.getNamespaceImport();
    if (ns !== undefined) names.namespaces.add(ns.getText());
  }
  cache.set(file, names);
  return names;
}

/**
 * Which SDK export an expression names (`task`, `ns.task`), or undefined when it is not one.
 */
export function sdkExportOf(expr: Node, names: SdkNames): string | undefined {
  if (Node.isIdentifier(expr)) return names.named.get(expr.getText());
  if (Node.isPropertyAccessExpression(expr)) {
    const target = expr.getExpression();
    if (Node.isIdentifier(target) && names.namespaces.has(target.getText())) return expr.getName();
  }
  return undefined;
}
