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

describe("a service template's instances in the deployment map", () => {
  /** The fixtures, with web v1.1's schema taking `extra` properties besides its own. */
  const readFileTaking = (extra: Record<string, unknown>) => (path: string) => {
    const text = readFile(path);
    if (!path.endsWith('services/web/v1.1/schema.json')) return text;
    const schema = JSON.parse(text) as { properties: Record<string, unknown> };
    return JSON.stringify({ ...schema, properties: { ...schema.properties, ...extra } });
  };

  it.each([
    [
      'sets the image',
      { Image: { type: 'string' } },
      '    template: { name: web, version: v1.1, inputs: { Port: 8080, Image: "nginx:latest" } }',
      { path: 'services.web.template.inputs.Image', line: 10 },
      '"Image" is the image each deploy ships, pinned by digest: crossdeploy gives it to the service template',
    ],
    [
      "defaults the cluster's name from its schema",
      { ClusterName: { type: 'string', default: 'apps' } },
      SERVICE,
      { path: 'services.web.template.inputs.ClusterName', line: 10 },
      '"ClusterName" is the cluster the map deploys the service to',
    ],
  ])(
    'refuses inputs whose schema lets them set what the deployment gives: one that %s',
    (_, extra, service, where, message) => {
      const parsed = parseMap(mapWith(ENVIRONMENT, service), { file: MAP_FILE, readFile: readFileTaking(extra) });
      expect(parsed.ok).toBe(false);
      if (parsed.ok) return;
      expect(parsed.errors).toEqual([{ ...where, message: expect.stringContaining(message) }]);
    },
  );

  /** Two services with web's template, each deploying main to its own environment. */
  const twoServices = (
    first: [string, string],
    second: [string, string],
  ) => `orchestrator: { account: "111111111111", region: us-east-1 }
services:
${[first, second]
  .map(
    ([service, environment]) => `  ${service}:
    source: { github: acme/${service} }
    repository: ${service}
    container: app
    cluster: apps
    service: ${service}
    branches: { main: [${environment}] }
    template: { name: web, version: v1.1, inputs: { Port: 8080 } }`,
  )
  .join('\n')}
environments:
${[...new Set([first[1], second[1]])].map((environment) => `  ${environment}:\n    targets: [{ account: "222222222222", regions: [us-east-1] }]`).join('\n')}
deployRole: crossdeploy-deploy
`;

  it('takes services whose instance stacks have names of their own', () => {
    expect(parseMap(twoServices(['web', 'dev'], ['api', 'dev']), { file: MAP_FILE, readFile }).ok).toBe(true);
  });

  it('refuses two service × environment pairs whose instance stacks would have one name', () => {
    const parsed = parseMap(twoServices(['web-api', 'dev'], ['web', 'api-dev']), { file: MAP_FILE, readFile });

    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toEqual([
      {
        path: 'services.web.template',
        line: 18,
        message:
          'service "web" in environment "api-dev" and service "web-api" in environment "dev" would both have the ' +
          'stack crossdeploy-svc-web-api-dev: rename one of them',
      },
    ]);
  });

  it("refuses an instance stack's name longer than CloudFormation takes", () => {
    const long = `web-${'x'.repeat(110)}`;
    const parsed = parseMap(twoServices([long, 'dev'], ['api', 'dev']), { file: MAP_FILE, readFile });

    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toEqual([
      {
        path: `services.${long}.template`,
        line: 10,
        message: expect.stringContaining("is longer than CloudFormation's 128 characters"),
      },
    ]);
  });
});
