import { ModuleKind, ModuleResolutionKind, Project } from "ts-morph";

/** An in-memory ts-morph project holding `files` (paths under `/proj`). */
export function inMemoryProject(files: Record<string, string>): Project {
  const project = new Project({
    useInMemoryFileSystem: true,
    compilerOptions: { module: ModuleKind.ESNext, moduleResolution: ModuleResolutionKind.Bundler },
  });
  for (const [file, text] of Object.entries(files)) project.getFileSystem().writeFileSync(`/proj/${file}`, text);
  return project;
}

/** Adds `/proj/<file>` to the project and returns it. */
export function sourceFile(project: Project, file: string) {
  return project.addSourceFileAtPath(`/proj/${file}`);
}
