// Writes each workflow's ASL file from its TypeScript source (state-machines/workflows.ts).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { aslText } from '../state-machines/asl';
import { WORKFLOW_SOURCES } from '../state-machines/workflows';

for (const [name, definition] of Object.entries(WORKFLOW_SOURCES)) {
  const file = fileURLToPath(new URL(`../state-machines/${name}.asl.json`, import.meta.url));
  writeFileSync(file, aslText(definition));
  console.log(`wrote state-machines/${name}.asl.json`);
}
