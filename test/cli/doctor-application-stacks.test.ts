import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  CreateStackCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
} from '@aws-sdk/client-cloudformation';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run as doctor } from '../../cli/doctor';
import type { DoctorRow } from '../../core/doctor';
import { clientForAccount } from '../../local/accounts';
import { capture } from '../support/cli';
import { useMoto } from '../support/moto';
import { putAlarm } from '../support/stacks';

const moto = useMoto();

const DEV = '222222222222';
const REGIONS = ['us-east-1', 'eu-west-1'] as const;
const STACK = 'crossdeploy-app-orders-dev';
const ALARM = 'orders-errors';
const TEMPLATES = fileURLToPath(new URL('../fixtures/templates', import.meta.url));

/** web, the ECS service of test/support/map.ts, deployed to dev. */
const WEB_LINES = [
  '  web:',
  '    source: { github: acme/web }',
  '    repository: web',
  '    container: app',
  '    cluster: demo',
  '    service: web',
  '    branches: { main: [dev] }',
];

/** orders, an application stack deployed to dev in two regions; web beside it, and dev's template, when asked. */
const ordersMap = ({ environmentTemplate = false, withWeb = false } = {}) =>
  [
    'orchestrator: { account: "111111111111", region: us-east-1 }',
    'services:',
    ...(withWeb ? WEB_LINES : []),
    '  orders:',
    '    kind: stack',
    '    source: { github: acme/orders }',
    '    stack: { template: infra/template.yaml, parameters: { Stage: dev } }',
    '    branches: { main: [dev] }',
    'environments:',
    '  dev:',
    ...(environmentTemplate ? ['    template: { name: apps, version: v1.0, inputs: { ClusterName: demo } }'] : []),
    `    targets: [{ account: "${DEV}", regions: [${REGIONS.join(', ')}] }]`,
    `    health: { alarms: [${ALARM}] }`,
    'deployRole: crossdeploy-deploy',
  ].join('\n');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'crossdeploy-doctor-stacks-'));
  // The map is read with its templates folder beside it, as validate reads it.
  cpSync(TEMPLATES, join(dir, 'templates'), { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function doctorJson(yaml: string, args: string[] = []): Promise<{ code: number; rows: DoctorRow[] }> {
  writeFileSync(join(dir, 'crossdeploy.yaml'), yaml);
  const { io, out } = capture(dir);
  const code = await doctor([...args, '--json'], io);
  return { code, rows: JSON.parse(out.join('\n')) as DoctorRow[] };
}

/** The environment's alarm, in OK, as its owners would have made it in each region. */
async function putAlarms() {
  for (const region of REGIONS) await putAlarm({ account: DEV, region }, ALARM, 'OK');
}

/**
 * What a first push whose template CloudFormation could not create leaves in the region: the stack, rolled back to
 * ROLLBACK_COMPLETE (a subnet outside its VPC's range fails after the VPC exists).
 */
async function rolledBackStack(region: string) {
  const cloudformation = clientForAccount(CloudFormationClient, DEV, region);
  const template = JSON.stringify({
    Resources: {
      Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16' } },
      Web: { Type: 'AWS::EC2::Subnet', Properties: { VpcId: { Ref: 'Vpc' }, CidrBlock: '10.9.1.0/24' } },
    },
  });
  try {
    await cloudformation.send(
      new CreateChangeSetCommand({
        StackName: STACK,
        ChangeSetName: 'crossdeploy-first-push',
        ChangeSetType: 'CREATE',
        TemplateBody: template,
      }),
    );
    await cloudformation.send(
      new ExecuteChangeSetCommand({ StackName: STACK, ChangeSetName: 'crossdeploy-first-push' }),
    );
    const { Stacks = [] } = await cloudformation.send(new DescribeStacksCommand({ StackName: STACK }));
    expect(Stacks[0]?.StackStatus).toBe('ROLLBACK_COMPLETE');
  } finally {
    cloudformation.destroy();
  }
}

/** What `crossdeploy env deploy dev` leaves in the region: the environment's stack. */
async function provisionEnvironment(region: string) {
  const cloudformation = clientForAccount(CloudFormationClient, DEV, region);
  try {
    await cloudformation.send(
      new CreateStackCommand({
        StackName: 'crossdeploy-env-dev',
        TemplateBody: readFileSync(join(TEMPLATES, 'environments/apps/v1.0/template.yaml'), 'utf8'),
        Parameters: [{ ParameterKey: 'ClusterName', ParameterValue: 'demo' }],
      }),
    );
  } finally {
    cloudformation.destroy();
  }
}

const results = (rows: DoctorRow[], region: string) =>
  Object.fromEntries(rows.filter((row) => row.region === region).map((row) => [row.check, row.result]));
const rowOf = (rows: DoctorRow[], region: string, check: string) =>
  rows.find((row) => row.region === region && row.check === check);

describe('crossdeploy doctor on an application stack', () => {
  it('takes a missing stack for what the first push creates, and runs none of the ECS checks', async () => {
    await putAlarms();

    const { code, rows } = await doctorJson(ordersMap());

    expect(code).toBe(0);
    // In the order of CHECKS, per target: no service, container, platform, pass-role or ecr-pull.
    expect(rows.map((row) => [row.region, row.check, row.result])).toEqual(
      REGIONS.flatMap((region) => [
        [region, 'deploy-role', 'ok'],
        [region, 'app-stack', 'ok'],
        [region, 'env-stack', 'ok'],
        [region, 'alarms', 'ok'],
      ]),
    );
    expect(rowOf(rows, 'eu-west-1', 'app-stack')).toMatchObject({
      service: 'orders',
      cluster: null,
      ecsService: null,
      stack: STACK,
      detail: `stack ${STACK} in ${DEV}/eu-west-1 does not exist yet: its first push creates it`,
    });
    expect(rowOf(rows, 'eu-west-1', 'env-stack')?.detail).toBe(
      'environments.dev names no template: the stack takes only services.orders.stack.parameters',
    );
  });

  it("skips a missing alarm before the first push, which the application's template may create", async () => {
    const { code, rows } = await doctorJson(ordersMap());

    expect(code).toBe(0);
    expect(rowOf(rows, 'us-east-1', 'alarms')).toMatchObject({
      result: 'skipped',
      detail: `${ALARM} is not in ${DEV}/us-east-1 yet: the template of orders may create it with the stack; checked once the stack exists`,
    });
  });

  it('fails the target whose stack rolled back its creation, with the command that lets the next push create it', async () => {
    await putAlarms();
    await rolledBackStack('eu-west-1');
    writeFileSync(join(dir, 'crossdeploy.yaml'), ordersMap());
    const { io, out } = capture(dir);

    expect(await doctor([], io)).toBe(1);

    const failing = out.filter((line) => / {2}FAIL {2}/.test(line));
    expect(failing.map((line) => line.split(/ {2,}/))).toEqual([
      [
        'dev',
        DEV,
        'eu-west-1',
        'app-stack',
        'FAIL',
        `stack ${STACK} in ${DEV}/eu-west-1 is ROLLBACK_COMPLETE (The following resource(s) failed to create: [Web]. ` +
          'Rollback requested by user.): CloudFormation takes no change set on it, so every push fails here',
      ],
    ]);
    expect(out).toContain(`  FAIL app-stack in orders dev ${DEV}/eu-west-1:`);
    expect(out).toContain(
      `    delete it: aws cloudformation delete-stack --stack-name ${STACK} --region eu-west-1 (in account ${DEV}), then push again`,
    );
    expect(out.at(-1)).toBe('8 checks: 7 ok, 0 WARN, 1 FAIL, 0 skipped');
  });

  it('fails the role check when the deploy role cannot be assumed, and skips what needs the role', async () => {
    await putAlarms();
    moto.scheduler().injectFault({ account: DEV, region: 'eu-west-1' }, { kind: 'deny-assume-role' });

    const { code, rows } = await doctorJson(ordersMap());

    expect(code).toBe(1);
    expect(rows.filter((row) => row.region === 'eu-west-1').map((row) => [row.check, row.result])).toEqual([
      ['deploy-role', 'FAIL'],
      ['app-stack', 'skipped'],
      // Where the environment names no template there is no stack to read: nothing needs the role.
      ['env-stack', 'ok'],
      ['alarms', 'skipped'],
    ]);
    expect(rowOf(rows, 'eu-west-1', 'app-stack')?.detail).toBe('needs the deploy role, which could not be assumed');
  });

  it('fails the env-stack check where the environment names a template and its stack is missing: every push reads its outputs', async () => {
    await putAlarms();
    await provisionEnvironment('us-east-1');

    const { code, rows } = await doctorJson(ordersMap({ environmentTemplate: true }));

    expect(code).toBe(1);
    expect(rowOf(rows, 'us-east-1', 'env-stack')).toMatchObject({
      result: 'ok',
      detail: `stack crossdeploy-env-dev in ${DEV}/us-east-1 is CREATE_COMPLETE`,
    });
    expect(rowOf(rows, 'eu-west-1', 'env-stack')).toMatchObject({
      result: 'FAIL',
      detail: `stack crossdeploy-env-dev in ${DEV}/eu-west-1 does not exist: a push cannot deploy the application stack without its outputs`,
      fix: 'provision the environment: crossdeploy env deploy dev',
    });
    expect(results(rows, 'eu-west-1')).toEqual({
      'deploy-role': 'ok',
      'app-stack': 'ok',
      'env-stack': 'FAIL',
      alarms: 'ok',
    });
  });
});

describe('crossdeploy doctor filters with an application stack in the map', () => {
  it('keeps to the application stack --service names, and to the ECS service beside it', async () => {
    await putAlarms();

    const orders = await doctorJson(ordersMap({ withWeb: true }), ['--service', 'orders', '--env', 'dev']);
    const web = await doctorJson(ordersMap({ withWeb: true }), ['--service', 'web']);

    expect(orders.code).toBe(0);
    expect(new Set(orders.rows.map((row) => row.service))).toEqual(new Set(['orders']));
    expect(orders.rows).toHaveLength(8);
    expect(new Set(web.rows.map((row) => row.service))).toEqual(new Set(['web']));
    expect(web.rows.some((row) => row.check === 'app-stack')).toBe(false);
  });

  it('prints a table per service of either kind', async () => {
    await putAlarms();
    writeFileSync(join(dir, 'crossdeploy.yaml'), ordersMap({ withWeb: true }));
    const { io, out } = capture(dir);

    await doctor([], io);

    expect(out.filter((line) => line.startsWith('service '))).toEqual(['service web', 'service orders']);
  });

  it('exits 2 naming the services of both kinds when --service names neither', async () => {
    writeFileSync(join(dir, 'crossdeploy.yaml'), ordersMap({ withWeb: true }));
    const { io, err } = capture(dir);

    expect(await doctor(['--service', 'api'], io)).toBe(2);
    expect(err).toEqual(['crossdeploy doctor: service "api" is not in the map (services: web, orders)']);
  });
});
