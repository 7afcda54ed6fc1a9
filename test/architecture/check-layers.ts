/** `npm run lint` step: prints every import-layer violation and exits 1 when there is one. */
import { fileURLToPath } from "node:url";
import { checkImportLayers } from "./import-layers.js";

const problems = checkImportLayers(fileURLToPath(new URL("../..", import.meta.url)));
for (const p of problems) console.error(p);
if (problems.length > 0) {
  console.error(`import layers: ${problems.length} violation(s); the rules are in test/architecture/import-layers.ts`);
  process.exit(1);
}
console.log("import layers: ok");
