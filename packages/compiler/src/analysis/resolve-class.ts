import path from "node:path";
import type { ClassDeclaration, ExportDeclaration, ImportDeclaration, SourceFile } from "ts-morph";

/** A class declaration found by name, and the name under which its module exports it. */
export interface ResolvedClass {
  classDecl: ClassDeclaration;
  /** The class's declared name. */
  name: string;
  /** The module export naming the class (`default` for a default export); undefined if not exported. */
  exportName: string | undefined;
  file: SourceFile;
}

/** Result of looking a name up as a class: found, a class that could not be followed, or not a class. */
export type ClassLookup = { found: ResolvedClass } | { unresolved: string } | undefined;

const TS_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts"];

/**
 * Resolves the module a relative import or re-export points to, syntactically (no type checker):
 * `./x.js` → `./x.ts`, `./x` → `./x.ts` or `./x/index.ts`. Falls back to ts-morph's resolution
 * for package specifiers.
 */
export function resolveModuleFile(decl: ImportDeclaration | ExportDeclaration): SourceFile | undefined {
  const spec = decl.getModuleSpecifierValue();
  if (spec === undefined) return undefined;
  const file = decl.getSourceFile();
  if (!spec.startsWith(".")) return decl.getModuleSpecifierSourceFile();
  const base = path.posix.resolve(path.posix.dirname(file.getFilePath()), spec);
  const stem = base.replace(/\.(m|c)?jsx?$/, "");
  const candidates = [...TS_EXTENSIONS.map((ext) => stem + ext), base, ...TS_EXTENSIONS.map((ext) => `${base}/index${ext}`)];
  const project = file.getProject();
  for (const candidate of candidates) {
    const found = project.getSourceFile(candidate) ?? project.addSourceFileAtPathIfExists(candidate);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The name under which `file` exports `classDecl`, or undefined when it does not export it. */
export function exportNameOf(file: SourceFile, classDecl: ClassDeclaration): string | undefined {
  const name = classDecl.getName();
  if (classDecl.hasExportKeyword()) return classDecl.hasDefaultKeyword() ? "default" : name;
  if (name === undefined) return undefined;
  for (const decl of file.getExportDeclarations()) {
    if (decl.getModuleSpecifierValue() !== undefined) continue;
    for (const spec of decl.getNamedExports()) {
      if (spec.getName() === name) return spec.getAliasNode()?.getText() ?? name;
    }
  }
  for (const assignment of file.getExportAssignments()) {
    if (!assignment.isExportEquals() && assignment.getExpression().getText() === name) return "default";
  }
  return undefined;
}

function local(file: SourceFile, classDecl: ClassDeclaration): ResolvedClass {
  return { classDecl, name: classDecl.getName() ?? "default", exportName: exportNameOf(file, classDecl), file };
}

/** Finds the class that `file` exports as `exportName`, following re-exports. */
function findExportedClass(file: SourceFile, exportName: string, depth: number): ClassLookup {
  if (depth > 8) return { unresolved: `too many re-exports of ${exportName}` };
  for (const classDecl of file.getClasses()) {
    if (classDecl.hasExportKeyword() && exportNameOf(file, classDecl) === exportName) return { found: local(file, classDecl) };
  }
  if (exportName === "default") {
    for (const assignment of file.getExportAssignments()) {
      const target = assignment.getExpression().getText();
      if (!assignment.isExportEquals()) return resolveClassIn(target, file, depth + 1);
    }
  }
  for (const decl of file.getExportDeclarations()) {
    for (const spec of decl.getNamedExports()) {
      if ((spec.getAliasNode()?.getText() ?? spec.getName()) !== exportName) continue;
      if (decl.getModuleSpecifierValue() === undefined) return resolveClassIn(spec.getName(), file, depth + 1);
      const target = resolveModuleFile(decl);
      if (target === undefined) return { unresolved: `cannot resolve "${decl.getModuleSpecifierValue()}"` };
      return findExportedClass(target, spec.getName(), depth + 1);
    }
    if (decl.isNamespaceExport() && decl.getNamespaceExport() === undefined) {
      const target = resolveModuleFile(decl);
      const found = target === undefined ? undefined : findExportedClass(target, exportName, depth + 1);
      if (found !== undefined && "found" in found) return found;
    }
  }
  return { unresolved: `${file.getBaseName()} exports no class named ${exportName}` };
}

function resolveClassIn(name: string, file: SourceFile, depth: number): ClassLookup {
  const classDecl = file.getClass(name);
  if (classDecl !== undefined) return { found: local(file, classDecl) };
  for (const decl of file.getImportDeclarations()) {
    let imported: string | undefined;
    if (decl.getDefaultImport()?.getText() === name) imported = "default";
    for (const spec of decl.getNamedImports()) {
      if ((spec.getAliasNode()?.getText() ?? spec.getName()) === name) imported = spec.getName();
    }
    if (imported === undefined) continue;
    const target = resolveModuleFile(decl);
    if (target === undefined) {
      return { unresolved: `cannot find the source of "${decl.getModuleSpecifierValue()}" in this project` };
    }
    return findExportedClass(target, imported, depth + 1);
  }
  return undefined;
}

/**
 * Looks `name` up as a class visible at the top level of `file`: declared there, or imported from
 * another module of the project (following the import to its source file).
 */
export function resolveClass(name: string, file: SourceFile): ClassLookup {
  return resolveClassIn(name, file, 0);
}
