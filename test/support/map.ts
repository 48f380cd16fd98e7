import { parseMap } from '../../core/map/load';
import type { DeploymentMap } from '../../core/map/schema';

/** The map a test's YAML describes; a map that does not parse fails the test with the parser's errors. */
export function mapOf(yaml: string): DeploymentMap {
  const parsed = parseMap(yaml);
  if (!parsed.ok) throw new Error(`test map: ${JSON.stringify(parsed.errors)}`);
  return parsed.map;
}

/**
 * A service of a test map. What a test leaves out is web's: source `{ github: acme/<name> }`, repository and
 * service named after it, container `app`, cluster `demo`.
 */
export interface ServiceFixture {
  name: string;
  branches: string;
  source?: string;
  container?: string;
  cluster?: string;
  /** Further lines of the service, without their indentation (`paths: [...]`, `test: ...`, `platforms: [...]`). */
  more?: string[];
}

/** The service most maps deploy: main to dev, production to prod. */
export const WEB: ServiceFixture = { name: 'web', branches: '{ main: [dev], production: [prod] }' };
/** A second service beside web, in its own cluster, deployed to dev only. */
export const WORKER: ServiceFixture = {
  name: 'worker',
  container: 'worker',
  cluster: 'jobs',
  branches: '{ main: [dev] }',
};

function serviceLines(s: ServiceFixture): string[] {
  return [
    `  ${s.name}:`,
    `    source: ${s.source ?? `{ github: acme/${s.name} }`}`,
    `    repository: ${s.name}`,
    `    container: ${s.container ?? 'app'}`,
    `    cluster: ${s.cluster ?? 'demo'}`,
    `    service: ${s.name}`,
    ...(s.more ?? []).map((line) => `    ${line}`),
    `    branches: ${s.branches}`,
  ];
}

/** The lines of a YAML block written as a template literal: without the newline that opens it or the one that ends it. */
const blockLines = (block: string | string[]) =>
  typeof block === 'string'
    ? block
        .replace(/^\n/, '')
        .replace(/\n\s*$/, '')
        .split('\n')
    : block;

/**
 * A map's YAML, line for line: an empty line, the orchestrator (111111111111 in us-east-1), `services`, the
 * `environments` block (indented as under its key), the deploy role crossdeploy-deploy, then any top-level `more`
 * (`ecr: ...`). The first service's repository is on line 6, where a test that breaks it expects the error.
 */
export function mapYaml(
  services: ServiceFixture[],
  environments: string | string[],
  more: string | string[] = '',
): string {
  return [
    '',
    'orchestrator: { account: "111111111111", region: us-east-1 }',
    'services:',
    ...services.flatMap(serviceLines),
    'environments:',
    ...blockLines(environments),
    'deployRole: crossdeploy-deploy',
    ...blockLines(more),
  ].join('\n');
}
