import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeServicesCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { settings } from '../../aws/settings';
import { liveStatus } from '../../aws/status';
import { ledgerTable } from '../../aws/tables';
import { forgetTargetSessions, targetClientFactory } from '../../aws/target-clients';
import type { CliIo } from '../../cli/io';
import { run as status } from '../../cli/status';
import type { DeployTarget } from '../../core/contracts';
import { ledgerKey } from '../../core/ledger';
import type { StatusRow } from '../../core/status';
import { clientForAccount } from '../../local/accounts';
import { seedImage, seedPullGrant } from '../../local/seed';
import { putRecord, putStackRecord } from '../support/ledger';
import { mapOf, mapYaml, WEB, WORKER } from '../support/map';
import { seedRepository, seedTarget, useMoto } from '../support/moto';

const moto = useMoto();
// The deploys here are fixtures' UpdateService calls a moment apart: their rollouts move only when status looks.
beforeEach(() => moto.scheduler().setRolloutStepMs(Number.POSITIVE_INFINITY));

const DEV = '222222222222';
const PROD = '333333333333';
const A = 'a1b2c3d'.padEnd(40, '0');
const B = 'b2c3d4e'.padEnd(40, '0');
const IMAGE = (commit: string) => `111111111111.dkr.ecr.us-east-1.amazonaws.com/web:${commit}`;

const MAP = mapYaml(
  [WEB, { ...WORKER, container: 'app' }],
  `
  dev:
    targets: [{ account: "${DEV}", regions: [us-east-1, eu-west-1] }]
  prod:
    approval: { topic: prod-approvals, timeout: 24h }
    targets: [{ account: "${PROD}", regions: [us-east-1] }]
`,
);

const WEB_DEV_EAST: DeployTarget = {
  account: DEV,
  region: 'us-east-1',
  cluster: 'demo',
  service: 'web',
  container: 'app',
};
const WEB_DEV_WEST: DeployTarget = { ...WEB_DEV_EAST, region: 'eu-west-1' };
const WEB_PROD: DeployTarget = { ...WEB_DEV_EAST, account: PROD };
const WORKER_DEV_EAST: DeployTarget = { ...WEB_DEV_EAST, cluster: 'jobs', service: 'worker' };
const WORKER_DEV_WEST: DeployTarget = { ...WORKER_DEV_EAST, region: 'eu-west-1' };

let dir: string;
let db: DynamoDBDocumentClient;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'crossdeploy-status-'));
  writeFileSync(join(dir, 'crossdeploy.yaml'), MAP);
  // moto was reset: deploy-role sessions from an earlier test are unknown to it now.
  forgetTargetSessions();
  const dynamo = new DynamoDBClient({ region: 'us-east-1' });
  db = DynamoDBDocumentClient.from(dynamo);
  await dynamo.send(new CreateTableCommand(ledgerTable(settings.ledgerTable())));
});
afterEach(() => {
  db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (line) => out.push(line), err: (line) => err.push(line), cwd: dir };
  return { io, out, err };
}

async function statusJson(args: string[] = []): Promise<{ code: number; rows: StatusRow[] }> {
  const { io, out } = capture();
  const code = await status([...args, '--json'], io);
  return { code, rows: JSON.parse(out.join('\n')) as StatusRow[] };
}

/** A printed table line split into its cells (columns are 2+ spaces apart; no cell holds two spaces in a row). */
const cells = (line: string) => line.split(/ {2,}/);

/** A new revision of the target's family with `image`, put in service: what a deploy (or a person) does. */
async function updateService(target: DeployTarget, image: string): Promise<string> {
  const ecs = clientForAccount(ECSClient, target.account, target.region);
  try {
    const { taskDefinition } = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: target.service,
        containerDefinitions: [{ name: target.container, image, essential: true, memory: 512 }],
      }),
    );
    const arn = taskDefinition?.taskDefinitionArn as string;
    await ecs.send(new UpdateServiceCommand({ cluster: target.cluster, service: target.service, taskDefinition: arn }));
    return arn;
  } finally {
    ecs.destroy();
  }
}

interface Deployment {
  serviceName?: string;
  environment: string;
  target: DeployTarget;
  commit: string;
  /** Starts at 10:00 + minute, ends five minutes later. */
  minute: number;
  result?: 'succeeded' | 'rolled-back';
  approver?: string;
}

/**
 * Deploys `commit` to the target and writes the ledger as the workflows do: the record when the deployment
 * starts, then its revisions and its end. A rolled-back deployment leaves the service on the revision before.
 */
async function deploy({
  serviceName = 'web',
  environment,
  target,
  commit,
  minute,
  result = 'succeeded',
  approver,
}: Deployment) {
  const deploymentId = `${serviceName}-${environment}-${commit.slice(0, 7)}-${minute}`;
  const identity = {
    target: ledgerKey(serviceName, environment, target),
    deploymentId,
    serviceName,
    environment,
    account: target.account,
    region: target.region,
    cluster: target.cluster,
    service: target.service,
  };
  const previousTaskDefinitionArn = (await liveTaskDefinition(target)) ?? null;
  const startedAt = `2026-11-03T10:${String(minute).padStart(2, '0')}:00.000Z`;
  const opened = {
    ...identity,
    startedAt,
    pipelineId: `pipeline-${deploymentId}`,
    executionName: `${deploymentId}-${target.account}-${target.region}`,
    kind: 'deploy' as const,
    commit,
    imageDigest: `sha256:${'1'.repeat(64)}`,
    imageUri: IMAGE(commit),
    approver: approver ?? null,
    comment: approver ? 'ship it' : null,
    requestedBy: null,
    result: 'in-progress' as const,
    endedAt: null,
  };
  await putRecord(opened, db);
  const taskDefinitionArn = await updateService(target, IMAGE(commit));
  if (result === 'rolled-back' && previousTaskDefinitionArn) await putBack(target, previousTaskDefinitionArn);
  await putRecord(
    {
      ...opened,
      taskDefinitionArn,
      previousTaskDefinitionArn,
      result,
      endedAt: `2026-11-03T10:${String(minute + 5).padStart(2, '0')}:00.000Z`,
      rollbackReason: result === 'rolled-back' ? 'alarms: web-5xx went to ALARM' : null,
    },
    db,
  );
  return { deploymentId, taskDefinitionArn };
}

async function putBack(target: DeployTarget, taskDefinition: string) {
  const ecs = clientForAccount(ECSClient, target.account, target.region);
  await ecs.send(new UpdateServiceCommand({ cluster: target.cluster, service: target.service, taskDefinition }));
  ecs.destroy();
}

/** What the service runs, read as a fixture (moto's account header), not through crossdeploy. */
async function liveTaskDefinition(target: DeployTarget): Promise<string | undefined> {
  const ecs = clientForAccount(ECSClient, target.account, target.region);
  const { services } = await ecs.send(
    new DescribeServicesCommand({ cluster: target.cluster, services: [target.service] }),
  );
  ecs.destroy();
  return services?.[0]?.taskDefinition;
}

const parsedMap = () => mapOf(MAP);

/** The targets, and the images A and B in the tools account, which the targets' accounts may pull. */
async function seedAll(skip: DeployTarget[] = []) {
  await seedRepository('web');
  await seedImage('web', { digest: `sha256:${'a'.repeat(64)}`, tag: A });
  await seedImage('web', { digest: `sha256:${'b'.repeat(64)}`, tag: B });
  await seedPullGrant('web', { accounts: [DEV, PROD] }, ['us-east-1']);
  for (const target of [WEB_DEV_EAST, WEB_DEV_WEST, WEB_PROD, WORKER_DEV_EAST, WORKER_DEV_WEST]) {
    if (!skip.includes(target)) await seedTarget(target);
  }
}

/** Every target deployed by crossdeploy: A to dev, then A to prod with alice's approval, worker's B to dev. */
async function deployAll() {
  await deploy({ environment: 'dev', target: WEB_DEV_EAST, commit: A, minute: 0 });
  await deploy({ environment: 'dev', target: WEB_DEV_WEST, commit: A, minute: 1 });
  await deploy({ environment: 'prod', target: WEB_PROD, commit: A, minute: 10, approver: 'alice' });
  await deploy({ serviceName: 'worker', environment: 'dev', target: WORKER_DEV_EAST, commit: B, minute: 2 });
  await deploy({ serviceName: 'worker', environment: 'dev', target: WORKER_DEV_WEST, commit: B, minute: 3 });
}

const td = (target: DeployTarget, revision: number) =>
  `arn:aws:ecs:${target.region}:${target.account}:task-definition/${target.service}:${revision}`;

describe('crossdeploy status when every target runs what crossdeploy deployed', () => {
  it('prints commit, revision, since and approver per target and exits 0', async () => {
    await seedAll();
    await deployAll();
    const { io, out, err } = capture();

    expect(await status([], io)).toBe(0);

    expect(out.map(cells)).toEqual([
      [
        'SERVICE',
        'ENVIRONMENT',
        'ACCOUNT',
        'REGION',
        'CLUSTER/SERVICE',
        'COMMIT',
        'REVISION',
        'SINCE',
        'BY',
        'LAST',
        'ENV TEMPLATE',
        'SVC TEMPLATE',
        'DRIFT',
      ],
      [
        'web',
        'dev',
        DEV,
        'us-east-1',
        'demo/web',
        'a1b2c3d',
        'web:2',
        '2026-11-03T10:05:00Z',
        'push',
        '-',
        'none',
        'none',
        'in step',
      ],
      [
        'web',
        'dev',
        DEV,
        'eu-west-1',
        'demo/web',
        'a1b2c3d',
        'web:2',
        '2026-11-03T10:06:00Z',
        'push',
        '-',
        'none',
        'none',
        'in step',
      ],
      [
        'web',
        'prod',
        PROD,
        'us-east-1',
        'demo/web',
        'a1b2c3d',
        'web:2',
        '2026-11-03T10:15:00Z',
        'alice',
        '-',
        'none',
        'none',
        'in step',
      ],
      [
        'worker',
        'dev',
        DEV,
        'us-east-1',
        'jobs/worker',
        'b2c3d4e',
        'worker:2',
        '2026-11-03T10:07:00Z',
        'push',
        '-',
        'none',
        'none',
        'in step',
      ],
      [
        'worker',
        'dev',
        DEV,
        'eu-west-1',
        'jobs/worker',
        'b2c3d4e',
        'worker:2',
        '2026-11-03T10:08:00Z',
        'push',
        '-',
        'none',
        'none',
        'in step',
      ],
      [''],
      ['5 targets: 5 in step'],
    ]);
    // Aligned: every column starts at the same offset on every line.
    const revisionAt = (out[0] ?? '').indexOf('REVISION');
    expect(out.slice(1, 6).map((line) => line.slice(revisionAt).split(' ')[0])).toEqual([
      'web:2',
      'web:2',
      'web:2',
      'worker:2',
      'worker:2',
    ]);
    expect(err).toEqual([`crossdeploy status: reading the AWS endpoint ${moto.endpoint()}, not AWS itself`]);
  });

  it('shows the newer deployment that rolled back beside the one that still runs', async () => {
    await seedAll();
    await deployAll();
    await deploy({ environment: 'dev', target: WEB_DEV_WEST, commit: B, minute: 20, result: 'rolled-back' });

    const { code, rows } = await statusJson(['--service', 'web', '--env', 'dev']);

    expect(code).toBe(0);
    expect(rows[1]).toMatchObject({
      region: 'eu-west-1',
      state: 'in-step',
      commit: A,
      taskDefinition: 'web:2',
      liveTaskDefinition: 'web:2',
      lastDeployment: {
        commit: B,
        result: 'rolled-back',
        endedAt: '2026-11-03T10:25:00.000Z',
        reason: 'alarms: web-5xx went to ALARM',
      },
    });
    const { io, out } = capture();
    await status(['--service', 'web', '--env', 'dev'], io);
    expect(cells(out[2] ?? '').slice(9)).toEqual(['rolled-back b2c3d4e', 'none', 'none', 'in step']);
  });
});

describe('crossdeploy status finds what crossdeploy did not deploy', () => {
  it('flags a service updated behind crossdeploy’s back as drift and exits 1', async () => {
    await seedAll();
    await deployAll();
    await updateService(WEB_PROD, IMAGE('hotfix'));

    const { io, out } = capture();
    expect(await status([], io)).toBe(1);

    const prod = out.map(cells).find((line) => line[2] === PROD);
    expect(prod?.slice(5)).toEqual([
      'a1b2c3d',
      'web:2',
      '2026-11-03T10:15:00Z',
      'alice',
      '-',
      'none',
      'none',
      'drift: live web:3, but crossdeploy deployed web:2',
    ]);
    expect(out.at(-1)).toBe('5 targets: 4 in step, 1 drift');
  });

  it('flags a service put back on an earlier revision by hand', async () => {
    await seedAll();
    await deployAll();
    await putBack(WEB_DEV_EAST, td(WEB_DEV_EAST, 1));

    const { code, rows } = await statusJson(['--env', 'dev', '--service', 'web']);

    expect(code).toBe(1);
    expect(rows.map((row) => [row.region, row.state, row.liveTaskDefinition])).toEqual([
      ['us-east-1', 'drift', 'web:1'],
      ['eu-west-1', 'in-step', 'web:2'],
    ]);
  });

  it('says never deployed for a target the ledger has no record of', async () => {
    await seedAll();
    await deploy({ environment: 'dev', target: WEB_DEV_EAST, commit: A, minute: 0 });

    const { io, out } = capture();
    expect(await status(['--service', 'web'], io)).toBe(1);

    expect(
      out
        .map(cells)
        .slice(1, 4)
        .map((line) => [line[3], line[5], line[6], line[8], line[12]]),
    ).toEqual([
      ['us-east-1', 'a1b2c3d', 'web:2', 'push', 'in step'],
      ['eu-west-1', '-', '-', '-', 'never deployed by crossdeploy; live web:1'],
      ['us-east-1', '-', '-', '-', 'never deployed by crossdeploy; live web:1'],
    ]);
    expect(out.at(-1)).toBe('3 targets: 1 in step, 2 never deployed');
  });

  it('reports a missing service and a deploy role it cannot assume as rows, not as a crash', async () => {
    await seedAll([WEB_DEV_WEST]);
    await deploy({ environment: 'dev', target: WEB_DEV_EAST, commit: A, minute: 0 });
    await deploy({ environment: 'prod', target: WEB_PROD, commit: A, minute: 10, approver: 'alice' });
    moto.scheduler().injectFault({ account: PROD, region: 'us-east-1' }, { kind: 'deny-assume-role' });

    const { code, rows } = await statusJson(['--service', 'web']);

    expect(code).toBe(1);
    expect(rows.map((row) => [row.environment, row.region, row.state])).toEqual([
      ['dev', 'us-east-1', 'in-step'],
      ['dev', 'eu-west-1', 'service-not-found'],
      ['prod', 'us-east-1', 'role-not-assumable'],
    ]);
    expect(rows[1]?.detail).toBe(
      `service not found (account/region ${DEV}/eu-west-1, cluster/service demo/web): cluster demo does not exist`,
    );
    expect(rows[2]?.detail).toMatch(
      new RegExp(
        `^role not assumable: cannot assume arn:aws:iam::${PROD}:role/crossdeploy-deploy in account ${PROD}: `,
      ),
    );
    // What the ledger knows stays on the row the live service could not be read for.
    expect(rows[2]).toMatchObject({ commit: A, by: 'alice', liveTaskDefinition: null });
  });
});

describe("crossdeploy status and the environment's stack", () => {
  it('shows the version the ledger says runs, and says the upgrades are unknown when the registry cannot be read', async () => {
    await seedAll();
    await deployAll();
    // No template registry here: its table was never created.
    await putStackRecord({ environment: 'dev', account: DEV, region: 'us-east-1', version: 'v1.0' }, db);
    await putStackRecord({ environment: 'dev', account: DEV, region: 'eu-west-1', version: 'v1.0' }, db);
    await putStackRecord(
      {
        environment: 'dev',
        account: DEV,
        region: 'eu-west-1',
        version: 'v1.1',
        result: 'failed',
        startedAt: '2026-12-01T00:00:00.000Z',
      },
      db,
    );

    const { code, rows } = await statusJson(['--env', 'dev']);

    expect(code).toBe(0);
    expect(
      rows.map((row) => [row.service, row.region, row.environmentStack?.version, row.environmentStack?.upgrades]),
    ).toEqual([
      ['web', 'us-east-1', 'v1.0', null],
      ['web', 'eu-west-1', 'v1.0', null],
      ['worker', 'us-east-1', 'v1.0', null],
      ['worker', 'eu-west-1', 'v1.0', null],
    ]);
    const { io, out } = capture();
    await status(['--env', 'prod'], io);
    expect(cells(out[1] ?? '').at(-3)).toBe('none');
    const dev = capture();
    await status(['--env', 'dev', '--service', 'web'], dev.io);
    expect(dev.out.slice(1, 3).map((line) => cells(line).at(-3))).toEqual([
      'network v1.0 (upgrades unknown)',
      'network v1.0 (upgrades unknown)',
    ]);
  });
});

describe('crossdeploy status in a later process, straight against moto', () => {
  /** Runs `status` as a process started after the deployments would: no ECS scheduler, only moto. */
  async function statusStraightToMoto(): Promise<{ code: number; rows: StatusRow[] }> {
    const throughScheduler = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = moto.motoEndpoint();
    forgetTargetSessions();
    try {
      return await statusJson();
    } finally {
      process.env.AWS_ENDPOINT_URL = throughScheduler;
      forgetTargetSessions();
    }
  }

  it('says in step for every target once the simulated rollouts have settled', async () => {
    await seedAll();
    await deployAll();
    // Two looks through the scheduler take each rollout to COMPLETED, as the workflows' checks do.
    await statusJson();
    await statusJson();

    const { code, rows } = await statusStraightToMoto();

    expect(rows.map((row) => [row.service, row.region, row.state, row.liveTaskDefinition])).toEqual([
      ['web', 'us-east-1', 'in-step', 'web:2'],
      ['web', 'eu-west-1', 'in-step', 'web:2'],
      ['web', 'us-east-1', 'in-step', 'web:2'],
      ['worker', 'us-east-1', 'in-step', 'worker:2'],
      ['worker', 'eu-west-1', 'in-step', 'worker:2'],
    ]);
    expect(code).toBe(0);
  });

  it('still flags a revision put there behind crossdeploy’s back as drift', async () => {
    await seedAll();
    await deployAll();
    await statusJson();
    await statusJson();
    const hotfix = await updateService(WEB_PROD, IMAGE('hotfix'));

    const { code, rows } = await statusStraightToMoto();

    expect(code).toBe(1);
    expect(rows.find((row) => row.account === PROD)).toMatchObject({
      state: 'drift',
      liveTaskDefinition: 'web:3',
      detail: 'drift: live web:3, but crossdeploy deployed web:2',
    });
    expect(hotfix).toBe(td(WEB_PROD, 3));
  });
});

describe('crossdeploy status filters', () => {
  it.each<[string[], string[]]>([
    [
      ['--service', 'worker'],
      ['worker dev us-east-1', 'worker dev eu-west-1'],
    ],
    [['--env', 'prod'], ['web prod us-east-1']],
    [
      ['--env', 'dev'],
      ['web dev us-east-1', 'web dev eu-west-1', 'worker dev us-east-1', 'worker dev eu-west-1'],
    ],
    [
      ['--service', 'web', '--env', 'dev'],
      ['web dev us-east-1', 'web dev eu-west-1'],
    ],
  ])('%j reads only the targets it selects', async (args, selected) => {
    await seedAll();
    await deployAll();

    const { code, rows } = await statusJson(args);

    expect(code).toBe(0);
    expect(rows.map((row) => `${row.service} ${row.environment} ${row.region}`)).toEqual(selected);
  });

  it('reads no service outside the filter', async () => {
    await seedAll([WEB_PROD]);
    moto.scheduler().injectFault({ account: PROD, region: 'us-east-1' }, { kind: 'deny-assume-role' });

    const { code, rows } = await statusJson(['--env', 'dev']);

    // Never deployed, but read: the unreadable prod target was not asked.
    expect(code).toBe(1);
    expect(rows.map((row) => row.state)).toEqual(Array(4).fill('never-deployed'));
    expect(moto.scheduler().stats().calls['ecs:DescribeServices']).toBe(4);
  });

  it.each<[string[], string]>([
    [['--service', 'api'], 'crossdeploy status: service "api" is not in the map (services: web, worker)'],
    [['--env', 'staging'], 'crossdeploy status: environment "staging" is not in the map (environments: dev, prod)'],
    [
      ['--service', 'worker', '--env', 'prod'],
      'crossdeploy status: service "worker" does not deploy to environment "prod" (its branches deploy to: dev)',
    ],
  ])('exits 2 for %j, naming what the map has', async (args, message) => {
    const { io, out, err } = capture();
    expect(await status(args, io)).toBe(2);
    expect(err).toEqual([message]);
    expect(out).toEqual([]);
  });
});

describe('crossdeploy status --json', () => {
  it('prints every row with the same keys in the same order, in map order', async () => {
    await seedAll();
    await deployAll();
    await deploy({ environment: 'dev', target: WEB_DEV_WEST, commit: B, minute: 20, result: 'rolled-back' });
    await updateService(WEB_PROD, IMAGE('hotfix'));

    const { io, out } = capture();
    expect(await status(['--json', '--service', 'web'], io)).toBe(1);

    const rows = JSON.parse(out.join('\n')) as StatusRow[];
    const at = (environment: string, target: DeployTarget) => ({
      service: 'web',
      environment,
      account: target.account,
      region: target.region,
      cluster: 'demo',
      ecsService: 'web',
      stack: null,
    });
    const deployedA = (id: string, since: string, by: string) => ({
      commit: A,
      taskDefinition: 'web:2',
      deploymentId: id,
      kind: 'deploy',
      since,
      by,
    });
    expect(rows).toEqual([
      {
        ...at('dev', WEB_DEV_EAST),
        state: 'in-step',
        commit: A,
        taskDefinition: 'web:2',
        liveTaskDefinition: 'web:2',
        deploymentId: 'web-dev-a1b2c3d-0',
        kind: 'deploy',
        since: '2026-11-03T10:05:00.000Z',
        by: 'push',
        lastDeployment: null,
        environmentStack: null,
        serviceStack: null,
        detail: 'in step',
      },
      {
        ...at('dev', WEB_DEV_WEST),
        state: 'in-step',
        ...deployedA('web-dev-a1b2c3d-1', '2026-11-03T10:06:00.000Z', 'push'),
        liveTaskDefinition: 'web:2',
        lastDeployment: {
          deploymentId: 'web-dev-b2c3d4e-20',
          kind: 'deploy',
          commit: B,
          result: 'rolled-back',
          startedAt: '2026-11-03T10:20:00.000Z',
          endedAt: '2026-11-03T10:25:00.000Z',
          reason: 'alarms: web-5xx went to ALARM',
        },
        environmentStack: null,
        serviceStack: null,
        detail: 'in step',
      },
      {
        ...at('prod', WEB_PROD),
        state: 'drift',
        ...deployedA('web-prod-a1b2c3d-10', '2026-11-03T10:15:00.000Z', 'alice'),
        liveTaskDefinition: 'web:3',
        lastDeployment: null,
        environmentStack: null,
        serviceStack: null,
        detail: 'drift: live web:3, but crossdeploy deployed web:2',
      },
    ]);
    const keys = [
      'service',
      'environment',
      'account',
      'region',
      'cluster',
      'ecsService',
      'stack',
      'state',
      'commit',
      'taskDefinition',
      'liveTaskDefinition',
      'deploymentId',
      'kind',
      'since',
      'by',
      'lastDeployment',
      'environmentStack',
      'serviceStack',
      'detail',
    ];
    for (const row of rows) expect(Object.keys(row)).toEqual(keys);
    expect(Object.keys(rows[1]?.lastDeployment ?? {})).toEqual([
      'deploymentId',
      'kind',
      'commit',
      'result',
      'startedAt',
      'endedAt',
      'reason',
    ]);
  });
});

describe('liveStatus', () => {
  it('reads at most `concurrency` targets at once, through the ECS clients it is given', async () => {
    await seedAll();
    await deployAll();
    const clients = targetClientFactory();
    let open = 0;
    let most = 0;
    const ecs = (target: DeployTarget, role: { name: string }) => ({
      send: (async (command: never) => {
        most = Math.max(most, ++open);
        try {
          return await clients(target, role).ecs.send(command);
        } finally {
          open--;
        }
      }) as ECSClient['send'],
    });

    const rows = await liveStatus(parsedMap(), {}, { ecs, db, concurrency: 2 });

    expect(rows.map((row) => row.state)).toEqual(Array(5).fill('in-step'));
    expect(most).toBe(2);
  });
});

describe('crossdeploy status arguments', () => {
  it('prints the map errors with their lines and exits 1 when the map is invalid', async () => {
    writeFileSync(join(dir, 'broken.yaml'), MAP.replace('repository: web', 'repository: Web!'));
    const { io, err } = capture();
    expect(await status(['--map', 'broken.yaml'], io)).toBe(1);
    expect(err).toEqual(['broken.yaml:6  services.web.repository  must be an ECR repository name']);
  });

  it.each([[['--watch']], [['web']]])('exits 2 with usage for %j', async (args) => {
    const { io, err } = capture();
    expect(await status(args, io)).toBe(2);
    expect(err[1]).toMatch(/^usage: crossdeploy status \[--service NAME\] \[--env NAME\] \[--json\] \[--map FILE\]/);
    expect(err.at(-1)).toMatch(/1 when any target\s+drifted/);
  });

  it('documents the exit codes in --help', async () => {
    const { io, out } = capture();
    expect(await status(['--help'], io)).toBe(0);
    expect(out.join('\n')).toContain('exits 0 when every target runs what crossdeploy deployed there');
  });
});
