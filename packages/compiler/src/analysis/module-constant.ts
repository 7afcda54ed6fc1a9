import type { SourceFile } from "ts-morph";
import type { JsonValue } from "@taskloom/sdk/internal";
import { NOT_LITERAL, moduleConstValue } from "./literal-value.js";
import { resolveModuleFile } from "./resolve-class.js";

/**
 * The literal value of a module-level name a workflow uses: a `const NAME = <literal>` of its
 * own module, or one exported by a project module it imports by name (`import { LIMIT } from
 * "./config.js"`). NOT_LITERAL for any other module-level binding; undefined when none exists.
 */
export function moduleConstant(file: SourceFile, name: string): JsonValue | typeof NOT_LITERAL | undefined {
  const local = moduleConstValue(file, name);
  if (local !== undefined) return local;
  for (const decl of file.getImportDeclarations()) {
    const spec = decl.getNamedImports().find((s) => (s.getAliasNode()?.getText() ?? s.getName()) === name);
    if (spec === undefined) continue;
    if (decl.isTypeOnly() || spec.isTypeOnly()) return NOT_LITERAL;
    const target = decl.getModuleSpecifierValue().startsWith(".") ? resolveModuleFile(decl) : undefined;
    const exported = target?.getVariableDeclaration(spec.getName());
    if (target === undefined || exported === undefined || exported.getVariableStatement()?.hasExportKeyword() !== true) {
      return NOT_LITERAL;
    }
    return moduleConstValue(target, spec.getName()) ?? NOT_LITERAL;
  }
  return undefined;
}
