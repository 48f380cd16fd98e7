import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseMap } from '../../core/map/load';

const FIXTURES = fileURLToPath(new URL('../fixtures/templates', import.meta.url));
const MAP_FILE = '/work/platform/crossdeploy.yaml';

/** Reads the templates folder beside MAP_FILE from the fixture templates. */
const readFile = (path: string) => readFileSync(join(FIXTURES, path.replace('/work/platform/templates/', '')), 'utf8');

const mapWith = (
  environmentTemplate: string,
  serviceTemplate: string,
) => `orchestrator: { account: "111111111111", region: us-east-1 }
services:
  web:
    source: { github: acme/web }
    repository: web
    container: app
    cluster: apps
    service: web
    branches: { main: [dev] }
${serviceTemplate}
environments:
  dev:
${environmentTemplate}
    targets: [{ account: "222222222222", regions: [us-east-1] }]
deployRole: crossdeploy-deploy
`;

const ENVIRONMENT = '    template: { name: apps, version: v1.0, inputs: { ClusterName: apps } }';
const SERVICE = '    template: { name: web, version: v1.1, inputs: { Port: 8080 } }';

describe('templates in the deployment map', () => {
  it("checks each template's inputs against its version's schema, filling in the schema's defaults", () => {
    const parsed = parseMap(mapWith(ENVIRONMENT, SERVICE), { file: MAP_FILE, readFile });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(parsed.map.environments.dev?.template).toEqual({
      name: 'apps',
      version: 'v1.0',
      inputs: { ClusterName: 'apps' },
    });
    expect(parsed.map.services.web?.template).toEqual({
      name: 'web',
      version: 'v1.1',
      inputs: { Port: 8080, DesiredCount: 2 },
    });
  });

  it.each([
    [
      'an input outside its schema',
      ENVIRONMENT,
      '    template: { name: web, version: v1.1, inputs: { Port: 0 } }',
      { path: 'services.web.template.inputs.Port', line: 10 },
      'Too small',
    ],
    [
      'an input the environment template does not take',
      '    template: { name: apps, version: v1.0, inputs: { ClusterName: apps, Vpc: x } }',
      SERVICE,
      { path: 'environments.dev.template.inputs', line: 13 },
      'the template takes no input "Vpc"',
    ],
    [
      'a version that was never published',
      '    template: { name: apps, version: v3.0, inputs: { ClusterName: apps } }',
      SERVICE,
      { path: 'environments.dev.template.version', line: 13 },
      'template environments/apps has no version v3.0',
    ],
    [
      'a version that is not vN.M',
      '    template: { name: apps, version: "1.0", inputs: { ClusterName: apps } }',
      SERVICE,
      { path: 'environments.dev.template.version', line: 13 },
      'must be a template version like v1.0',
    ],
  ])('refuses %s, with its path and line', (_, environmentTemplate, serviceTemplate, where, message) => {
    const parsed = parseMap(mapWith(environmentTemplate, serviceTemplate), { file: MAP_FILE, readFile });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toEqual([{ ...where, message: expect.stringContaining(message) }]);
  });
});
