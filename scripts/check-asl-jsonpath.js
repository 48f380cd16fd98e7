// The local engine runs JSONPath only and silently ignores JSONata, so no workflow may use it.
import { readdirSync, readFileSync } from 'node:fs';

const JSONATA_FIELDS = ['QueryLanguage', 'Arguments', 'Output', 'Assign', 'Condition', 'Items'];
const dir = new URL('../state-machines/', import.meta.url);
let failures = 0;

function visit(node, file, path) {
  if (Array.isArray(node)) {
    node.forEach((n, i) => {
      visit(n, file, `${path}[${i}]`);
    });
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  for (const [key, value] of Object.entries(node)) {
    if (JSONATA_FIELDS.includes(key) && path.includes('States')) {
      console.error(`${file}: ${path}.${key} is a JSONata field; crossdeploy workflows are JSONPath only`);
      failures++;
    }
    if (typeof value === 'string' && value.startsWith('{%')) {
      console.error(`${file}: ${path}.${key} holds a JSONata expression`);
      failures++;
    }
    visit(value, file, `${path}.${key}`);
  }
}

for (const file of readdirSync(dir).filter((f) => f.endsWith('.asl.json'))) {
  visit(JSON.parse(readFileSync(new URL(file, dir), 'utf8')), file, '$');
}
if (failures > 0) process.exit(1);
console.log('state machines: JSONPath only');
