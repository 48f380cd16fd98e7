// What a handler's code does, read from its source and the project modules it imports: the AWS calls it makes
// and the environment variables it reads. The tests hold the stack's tables (stacks/steps.ts,
// stacks/triggered.ts) against these.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

// IAM's service prefix for each AWS SDK client the code uses.
const SERVICE_PREFIX: Record<string, string> = {
  '@aws-sdk/client-cloudwatch': 'cloudwatch',
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/client-ecr': 'ecr',
  '@aws-sdk/client-ecs': 'ecs',
  '@aws-sdk/client-eventbridge': 'events',
  '@aws-sdk/client-sfn': 'states',
  '@aws-sdk/client-sns': 'sns',
  '@aws-sdk/client-sqs': 'sqs',
  '@aws-sdk/client-sts': 'sts',
};

// The document client's commands, by the DynamoDB action each one calls.
const DOCUMENT_CLIENT_ACTION: Record<string, string> = {
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  Delete: 'DeleteItem',
  Get: 'GetItem',
  Put: 'PutItem',
  Query: 'Query',
  Scan: 'Scan',
  TransactGet: 'TransactGetItems',
  TransactWrite: 'TransactWriteItems',
  Update: 'UpdateItem',
};

interface Import {
  names: string[];
  from: string;
  /** `import type { ... }`: erased at compile time, so the module is not loaded and makes no call. */
  typeOnly: boolean;
}

function importsOf(source: string): Import[] {
  return [...source.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+'([^']+)'/g)].map(([, type, names, from]) => ({
    names: (names ?? '')
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean),
    from: from ?? '',
    typeOnly: type !== undefined,
  }));
}

/** The project modules a module loads (`import type` excluded), as absolute paths. */
function projectImports(file: string, source: string): string[] {
  return importsOf(source)
    .filter((i) => !i.typeOnly && i.from.startsWith('.'))
    .map((i) => resolve(dirname(file), `${i.from}.ts`))
    .filter((imported) => existsSync(imported));
}

/** `service:Action` for every `new XxxCommand(` in a module and the project modules it loads. */
export function sdkCalls(file: string, seen = new Set<string>()): Set<string> {
  const calls = new Set<string>();
  if (seen.has(file)) return calls;
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  for (const imported of projectImports(file, source)) for (const call of sdkCalls(imported, seen)) calls.add(call);
  for (const { names, from, typeOnly } of importsOf(source)) {
    if (typeOnly || from.startsWith('.')) continue;
    const documentClient = from === '@aws-sdk/lib-dynamodb';
    const prefix = documentClient ? 'dynamodb' : SERVICE_PREFIX[from];
    if (from.startsWith('@aws-sdk/client-') && !prefix) throw new Error(`no IAM prefix for ${from} (${file})`);
    if (!prefix) continue;
    for (const name of names.map((n) => n.replace(/^type\s+/, ''))) {
      const command = /^(\w+)Command$/.exec(name)?.[1];
      if (!command || !new RegExp(`new\\s+${name}\\(`).test(source)) continue;
      const action = documentClient ? DOCUMENT_CLIENT_ACTION[command] : command;
      if (!action) throw new Error(`no DynamoDB action for ${name} (${file})`);
      calls.add(`${prefix}:${action}`);
    }
  }
  return calls;
}

const SETTINGS_FILE = resolve(root, 'aws/settings.ts');

/** `settings.leasesTable` → `CROSSDEPLOY_LEASES_TABLE`, from aws/settings.ts. */
export function settingsVariables(): Map<string, string> {
  const source = readFileSync(SETTINGS_FILE, 'utf8');
  const found = new Map<string, string>();
  for (const [, key, fromEnv, required] of source.matchAll(
    /(\w+): \(\) => (?:process\.env\.(CROSSDEPLOY_\w+)|required\('(CROSSDEPLOY_\w+)'\))/g,
  )) {
    found.set(key as string, (fromEnv ?? required) as string);
  }
  return found;
}

/**
 * The `CROSSDEPLOY_*` variables a module and the project modules it loads read: through `settings.x()`
 * (aws/settings.ts) or directly (`process.env.X`, `env.X` of a function given `process.env`).
 */
export function environmentReads(file: string, seen = new Set<string>()): Set<string> {
  const reads = new Set<string>();
  if (seen.has(file)) return reads;
  seen.add(file);
  // aws/settings.ts names every variable; a module reads those whose `settings.x` it calls.
  if (file === SETTINGS_FILE) return reads;
  const source = readFileSync(file, 'utf8');
  const settings = settingsVariables();
  for (const [, key] of source.matchAll(/\bsettings\.(\w+)\b/g)) {
    const variable = settings.get(key as string);
    if (!variable) throw new Error(`settings.${key} is not in aws/settings.ts (${file})`);
    reads.add(variable);
  }
  for (const [, variable] of source.matchAll(/\benv\.(CROSSDEPLOY_\w+)/g)) reads.add(variable as string);
  for (const imported of projectImports(file, source)) {
    for (const variable of environmentReads(imported, seen)) reads.add(variable);
  }
  return reads;
}
