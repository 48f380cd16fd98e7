import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run as doctor } from '../../cli/doctor';
import type { DoctorRow } from '../../core/doctor';
import { clientForAccount } from '../../local/accounts';
import { capture } from '../support/cli';
import { mapYaml, WEB } from '../support/map';
import { seedRepository, seedTarget, useMoto } from '../support/moto';
import { publishTemplates } from '../support/stacks';

useMoto();

const DEV = '222222222222';
const REGIONS = ['us-east-1', 'eu-west-1'] as const;
const TEMPLATES = fileURLToPath(new URL('../fixtures/templates', import.meta.url));
const template = (path: string) => readFileSync(join(TEMPLATES, path, 'template.yaml'), 'utf8');

/** web is created from services/web, in dev, whose targets are provisioned from environments/apps. */
const templatedMap = (version = 'v1.0') =>
  mapYaml(
    [
      {
        ...WEB,
        branches: '{ main: [dev] }',
        more: [`template: { name: web, version: ${version}, inputs: { Port: 80 } }`],
      },
    ],
    `
  dev:
    template: { name: apps, version: v1.0, inputs: { ClusterName: demo } }
    targets: [{ account: "${DEV}", regions: [${REGIONS.join(', ')}] }]
    health: { alarms: [web-5xx] }
`,
  );

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'crossdeploy-doctor-templates-'));
  // The map is read with its templates folder beside it, as validate reads it.
  cpSync(TEMPLATES, join(dir, 'templates'), { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function doctorJson(yaml: string): Promise<{ code: number; rows: DoctorRow[] }> {
  writeFileSync(join(dir, 'crossdeploy.yaml'), yaml);
  const { io, out } = capture(dir);
  const code = await doctor(['--json'], io);
  return { code, rows: JSON.parse(out.join('\n')) as DoctorRow[] };
}

/** What `crossdeploy env deploy dev` leaves in the region: the environment's stack, with the cluster it creates. */
async function provisionEnvironment(region: string) {
  const cloudformation = clientForAccount(CloudFormationClient, DEV, region);
  try {
    await cloudformation.send(
      new CreateStackCommand({
        StackName: 'crossdeploy-env-dev',
        TemplateBody: template('environments/apps/v1.0'),
        Parameters: [{ ParameterKey: 'ClusterName', ParameterValue: 'demo' }],
      }),
    );
  } finally {
    cloudformation.destroy();
  }
}

/** The platform team published services/web v1.0, and the repository exists: what precedes a first push. */
async function seedBeforeFirstPush() {
  await seedRepository('web');
  await publishTemplates([{ kind: 'services', name: 'web', version: 'v1.0', body: template('services/web/v1.0') }]);
}

const results = (rows: DoctorRow[], region: string) =>
  Object.fromEntries(rows.filter((row) => row.region === region).map((row) => [row.check, row.result]));
const rowOf = (rows: DoctorRow[], region: string, check: string) =>
  rows.find((row) => row.region === region && row.check === check);

describe('crossdeploy doctor on a service made from a template, before its first push', () => {
  it('takes the missing service for what the first push creates, and fails nothing once the environment is provisioned', async () => {
    await seedBeforeFirstPush();
    for (const region of REGIONS) await provisionEnvironment(region);

    const { code, rows } = await doctorJson(templatedMap());

    expect(code).toBe(0);
    for (const region of REGIONS) {
      expect(results(rows, region)).toEqual({
        'deploy-role': 'ok',
        service: 'ok',
        template: 'ok',
        'env-stack': 'ok',
        container: 'skipped',
        platform: 'skipped',
        'pass-role': 'skipped',
        alarms: 'skipped',
        'ecr-pull': 'WARN',
      });
    }
    // In the order of CHECKS, per target.
    expect(rows.filter((row) => row.region === 'us-east-1').map((row) => row.check)).toEqual([
      'deploy-role',
      'service',
      'template',
      'env-stack',
      'container',
      'platform',
      'pass-role',
      'alarms',
      'ecr-pull',
    ]);
    expect(rowOf(rows, 'eu-west-1', 'service')?.detail).toBe(
      'service web is not in cluster demo yet (DescribeServices: MISSING): its first deploy creates it from ' +
        'services/web v1.0 (stack crossdeploy-svc-web-dev)',
    );
    expect(rowOf(rows, 'eu-west-1', 'template')?.detail).toMatch(
      /^services\/web v1\.0 is published \(sha256 [0-9a-f]{12}…, 2026-12-01T00:00:00\.000Z by arn:aws:iam::111111111111:role\/platform\)$/,
    );
    expect(rowOf(rows, 'eu-west-1', 'env-stack')?.detail).toBe(
      `stack crossdeploy-env-dev in ${DEV}/eu-west-1 is CREATE_COMPLETE`,
    );
    expect(rowOf(rows, 'eu-west-1', 'container')?.detail).toBe(
      'needs the service, which its first deploy creates from services/web v1.0: checked once it exists',
    );
    expect(rowOf(rows, 'eu-west-1', 'alarms')?.detail).toBe(
      `web-5xx is not in ${DEV}/eu-west-1 yet: services/web v1.0 may create it with the service; checked once the service exists`,
    );
  });

  it('fails the env-stack check of the region the environment was not provisioned in, naming env deploy', async () => {
    await seedBeforeFirstPush();
    await provisionEnvironment('us-east-1');
    writeFileSync(join(dir, 'crossdeploy.yaml'), templatedMap());
    const { io, out } = capture(dir);

    expect(await doctor([], io)).toBe(1);

    const failing = out.filter((line) => / {2}FAIL {2}/.test(line));
    expect(failing).toHaveLength(1);
    expect(failing[0]?.split(/ {2,}/)).toEqual([
      'dev',
      DEV,
      'eu-west-1',
      'env-stack',
      'FAIL',
      `stack crossdeploy-env-dev in ${DEV}/eu-west-1 does not exist: the first deploy cannot create the service without its outputs`,
    ]);
    expect(out).toContain(`  FAIL env-stack in web dev ${DEV}/eu-west-1:`);
    expect(out).toContain('    provision the environment: crossdeploy env deploy dev');
  });

  it('fails the template check of every target when the version the map names is not published', async () => {
    await seedBeforeFirstPush();
    for (const region of REGIONS) await provisionEnvironment(region);

    const { code, rows } = await doctorJson(templatedMap('v1.1'));

    expect(code).toBe(1);
    expect(
      rows.filter((row) => row.result === 'FAIL').map((row) => [row.region, row.check, row.detail, row.fix]),
    ).toEqual(
      REGIONS.map((region) => [
        region,
        'template',
        'services/web v1.1 is not published (published: v1.0): the first deploy cannot create the service',
        "publish it from the platform team's templates folder (crossdeploy template publish), or set " +
          'services.web.template.version to a published version',
      ]),
    );
    // The service is still what the first push creates, not a failure.
    expect(rowOf(rows, 'us-east-1', 'service')?.result).toBe('ok');
  });
});

describe('crossdeploy doctor on a service made from a template, once it exists', () => {
  it('checks the live service as for any other, and still the template and the environment stack', async () => {
    await seedBeforeFirstPush();
    for (const region of REGIONS) {
      await provisionEnvironment(region);
      await seedTarget({ account: DEV, region, cluster: 'demo', service: 'web', alarms: ['web-5xx'] });
    }

    const { code, rows } = await doctorJson(templatedMap());

    expect(code).toBe(0);
    for (const region of REGIONS) {
      expect(results(rows, region)).toEqual({
        'deploy-role': 'ok',
        service: 'ok',
        template: 'ok',
        'env-stack': 'ok',
        container: 'ok',
        platform: 'ok',
        'pass-role': 'ok',
        alarms: 'ok',
        'ecr-pull': 'WARN',
      });
    }
  });
});
