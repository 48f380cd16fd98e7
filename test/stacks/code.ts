// What a handler's code does: the AWS calls it can make and the environment variables it can read, found by
// following what its exported `handler` reaches (functions, constants, object properties) through the project's
// modules with the TypeScript compiler. The tests hold the stack's tables (stacks/steps.ts,
// stacks/triggered.ts) against these.
//
// Reached, not merely imported: a handler that imports a constant from another handler's module does not
// inherit that module's calls, and a step that uses one half of a shared module gets only that half's.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

// IAM's service prefix for each AWS SDK package the code uses.
const SERVICE_PREFIX: Record<string, string> = {
  '@aws-sdk/client-cloudformation': 'cloudformation',
  '@aws-sdk/client-cloudwatch': 'cloudwatch',
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/client-ecr': 'ecr',
  '@aws-sdk/client-ecs': 'ecs',
  '@aws-sdk/client-eventbridge': 'events',
  '@aws-sdk/client-s3': 's3',
  '@aws-sdk/client-sfn': 'states',
  '@aws-sdk/client-sns': 'sns',
  '@aws-sdk/client-ssm': 'ssm',
  '@aws-sdk/client-sqs': 'sqs',
  '@aws-sdk/client-sts': 'sts',
  '@aws-sdk/lib-dynamodb': 'dynamodb',
};

/**
 * Libraries that send AWS SDK commands themselves, by the IAM prefix of the client they use: a handler that
 * constructs one of their classes makes the calls that class's compiled code sends (read from its .js, so an
 * upgrade that sends another command shows up here). Powertools idempotency: DynamoDBPersistenceLayer.
 */
const LIBRARY_PREFIX: Record<string, string> = {
  '@aws-lambda-powertools/idempotency': 'dynamodb',
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

const ENVIRONMENT_VARIABLE = /^CROSSDEPLOY_[A-Z0-9_]+$/;

export interface Reached {
  /** `service:Action` of every `new XxxCommand(...)` of an AWS SDK package reached. */
  calls: Set<string>;
  /** `CROSSDEPLOY_*` names reached as a property (`process.env.X`, `env.X`) or a string literal (`'X'`). */
  environment: Set<string>;
}

let program: ts.Program | undefined;
function projectProgram(): ts.Program {
  if (!program) {
    const config = ts.getParsedCommandLineOfConfigFile(
      resolve(root, 'tsconfig.json'),
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
        },
      },
    );
    if (!config) throw new Error('cannot read tsconfig.json');
    const handlers = config.fileNames.filter((f) => /\/functions\/[^/]+\.ts$/.test(f));
    program = ts.createProgram(handlers, { ...config.options, noEmit: true });
  }
  return program;
}

const isProjectFile = (file: string) =>
  file.startsWith(root) && !file.includes('/node_modules/') && !file.endsWith('.d.ts');

function sdkPackage(file: string): string | undefined {
  return /\/node_modules\/(@aws-sdk\/[^/]+)\//.exec(file)?.[1];
}

function libraryPackage(file: string): string | undefined {
  const name = /\/node_modules\/(@[^/]+\/[^/]+|[^@/][^/]*)\//.exec(file)?.[1];
  return name !== undefined && name in LIBRARY_PREFIX ? name : undefined;
}

/** `prefix:Action` of every `new XxxCommand(` in the compiled module next to a library class's .d.ts. */
function libraryCalls(declarationFile: string, prefix: string): string[] {
  const compiled = declarationFile.replace(/\.d\.ts$/, '.js');
  if (!existsSync(compiled)) throw new Error(`no compiled module next to ${declarationFile}`);
  const source = readFileSync(compiled, 'utf8');
  return [...source.matchAll(/new (\w+)Command\(/g)].map((match) => `${prefix}:${match[1]}`);
}

const cache = new Map<string, Reached>();

/** What the `handler` exported by `functions/<file>.ts` reaches. */
export function reachedFrom(handlerFile: string): Reached {
  const known = cache.get(handlerFile);
  if (known) return known;
  const reached = reach(handlerFile);
  cache.set(handlerFile, reached);
  return reached;
}

function reach(handlerFile: string): Reached {
  const program = projectProgram();
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(handlerFile);
  if (!source) throw new Error(`${handlerFile} is not in the project`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  const handler = moduleSymbol && checker.getExportsOfModule(moduleSymbol).find((s) => s.name === 'handler');
  if (!handler) throw new Error(`${handlerFile} exports no handler`);

  const reached: Reached = { calls: new Set(), environment: new Set() };
  const visited = new Set<ts.Node>();
  const queue: ts.Node[] = [];

  const resolveSymbol = (symbol: ts.Symbol | undefined): ts.Symbol | undefined =>
    symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const follow = (symbol: ts.Symbol | undefined) => {
    for (const declaration of resolveSymbol(symbol)?.declarations ?? []) {
      if (isProjectFile(declaration.getSourceFile().fileName) && !visited.has(declaration)) {
        visited.add(declaration);
        queue.push(declaration);
      }
    }
  };
  /** An object whose properties are followed one by one (`settings.x`), not as a whole. */
  const isObjectOfProperties = (symbol: ts.Symbol | undefined) =>
    (resolveSymbol(symbol)?.declarations ?? []).some(
      (d) => ts.isVariableDeclaration(d) && d.initializer !== undefined && ts.isObjectLiteralExpression(d.initializer),
    );

  const visit = (node: ts.Node): void => {
    if (ts.isTypeNode(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return;
    if (ts.isNewExpression(node)) {
      const symbol = resolveSymbol(checker.getSymbolAtLocation(node.expression));
      const declaration = symbol?.declarations?.[0];
      const pkg = declaration && sdkPackage(declaration.getSourceFile().fileName);
      const command = symbol && /^(\w+)Command$/.exec(symbol.name)?.[1];
      if (pkg && command) {
        const prefix = SERVICE_PREFIX[pkg];
        if (!prefix) throw new Error(`no IAM prefix for ${pkg} (new ${symbol.name})`);
        const action = pkg === '@aws-sdk/lib-dynamodb' ? DOCUMENT_CLIENT_ACTION[command] : command;
        if (!action) throw new Error(`no DynamoDB action for ${symbol.name}`);
        reached.calls.add(`${prefix}:${action}`);
      }
      const library = declaration && libraryPackage(declaration.getSourceFile().fileName);
      if (library) {
        const prefix = LIBRARY_PREFIX[library] as string;
        for (const call of libraryCalls(declaration.getSourceFile().fileName, prefix)) reached.calls.add(call);
      }
    }
    if (ts.isPropertyAccessExpression(node) && ENVIRONMENT_VARIABLE.test(node.name.text)) {
      reached.environment.add(node.name.text);
    }
    if (ts.isStringLiteral(node) && ENVIRONMENT_VARIABLE.test(node.text)) reached.environment.add(node.text);
    if (ts.isPropertyAccessExpression(node)) {
      follow(checker.getSymbolAtLocation(node.name));
      // `settings.leasesTable()` reaches that property, not every property of `settings`.
      if (!(ts.isIdentifier(node.expression) && isObjectOfProperties(checker.getSymbolAtLocation(node.expression)))) {
        visit(node.expression);
      }
      return;
    }
    if (ts.isIdentifier(node)) follow(checker.getSymbolAtLocation(node));
    if (ts.isShorthandPropertyAssignment(node)) follow(checker.getShorthandAssignmentValueSymbol(node));
    ts.forEachChild(node, visit);
  };

  follow(handler);
  for (let next = queue.shift(); next; next = queue.shift()) {
    // A variable: its initializer; a function or class: its body (not the names it declares).
    ts.forEachChild(next, visit);
  }
  return reached;
}

/** `service:Action` for every AWS SDK command the handler can send. */
export const sdkCalls = (handlerFile: string): Set<string> => reachedFrom(handlerFile).calls;

/** The `CROSSDEPLOY_*` variables the handler can read. */
export const environmentReads = (handlerFile: string): Set<string> => reachedFrom(handlerFile).environment;
