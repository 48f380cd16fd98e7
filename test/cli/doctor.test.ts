import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ECRClient, GetRepositoryPolicyCommand, SetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { doctorClients, runDoctor } from '../../aws/doctor-checks';
import { run as doctor } from '../../cli/doctor';
import type { DoctorRow } from '../../core/doctor';
import { mergeRepositoryPolicy, policyGrantsPull } from '../../core/ecr-policy';
import { DEPLOY_ROLE_POLICY_NAME } from '../../core/iam/target-account';
import { clientForAccount } from '../../local/accounts';
import { capture } from '../support/cli';
import { mapOf, mapYaml, WEB, WORKER } from '../support/map';
import { SIDECAR, seedRepository, seedTarget, useMoto } from '../support/moto';
import { targetAccountResources } from '../support/target-account';

const moto = useMoto();

const DEV = '222222222222';
const PROD = '333333333333';
const TARGETS = [
  { account: DEV, region: 'us-east-1', environment: 'dev' },
  { account: DEV, region: 'eu-west-1', environment: 'dev' },
  { account: PROD, region: 'us-east-1', environment: 'prod' },
] as const;

const ENVIRONMENTS = `
  dev:
    targets: [{ account: "${DEV}", regions: [us-east-1, eu-west-1] }]
    health: { alarms: [web-5xx] }
  prod:
    targets: [{ account: "${PROD}", regions: [us-east-1] }]
    health: { alarms: [web-5xx] }
`;
const doctorMap = ({ container = 'app' } = {}) => mapYaml([{ ...WEB, container }], ENVIRONMENTS);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'crossdeploy-doctor-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function writeMap(yaml = doctorMap(), file = 'crossdeploy.yaml') {
  writeFileSync(join(dir, file), yaml);
}

async function doctorJson(args: string[] = []): Promise<{ code: number; rows: DoctorRow[] }> {
  const { io, out } = capture(dir);
  const code = await doctor([...args, '--json'], io);
  return { code, rows: JSON.parse(out.join('\n')) as DoctorRow[] };
}

/** A printed table line split into its cells (columns are 2+ spaces apart; no cell holds two spaces in a row). */
const cells = (line: string) => line.split(/ {2,}/);

const rowOf = (rows: DoctorRow[], region: string, check: string, account = DEV) =>
  rows.find((row) => row.account === account && row.region === region && row.check === check);

/** Every target of the map as its owners would have it: cluster demo, service web, alarm web-5xx. */
async function seedWorld(skip?: { account: string; region: string }) {
  await seedRepository('web');
  for (const { account, region } of TARGETS) {
    if (account === skip?.account && region === skip.region) continue;
    await seedTarget({ account, region, cluster: 'demo', service: 'web', alarms: ['web-5xx'] });
  }
}

/** What crossdeploy's first deploy writes: pull for both target accounts. */
async function grantPull(accounts = [DEV, PROD]) {
  const ecr = new ECRClient({ region: 'us-east-1' });
  try {
    const current = await ecr
      .send(new GetRepositoryPolicyCommand({ repositoryName: 'web' }))
      .then((answer) => answer.policyText)
      .catch(() => undefined);
    const { policy } = mergeRepositoryPolicy(current, { accounts });
    await ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'web', policyText: policy }));
  } finally {
    ecr.destroy();
  }
}

async function setPolicy(policy: object) {
  const ecr = new ECRClient({ region: 'us-east-1' });
  try {
    await ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'web', policyText: JSON.stringify(policy) }));
  } finally {
    ecr.destroy();
  }
}

describe('crossdeploy doctor against a healthy world', () => {
  it('prints ok for every target × check and exits 0 once pulls are granted', async () => {
    writeMap();
    await seedWorld();
    await grantPull();
    const { io, out, err } = capture(dir);

    expect(await doctor([], io)).toBe(0);

    expect(cells(out[0] ?? '')).toEqual(['ENVIRONMENT', 'ACCOUNT', 'REGION', 'CHECK', 'RESULT', 'DETAIL']);
    const table = out.slice(1, 22).map(cells);
    expect(
      table.map(([environment, account, region, check, result]) => [environment, account, region, check, result]),
    ).toEqual(
      TARGETS.flatMap(({ environment, account, region }) =>
        ['deploy-role', 'service', 'container', 'platform', 'pass-role', 'alarms', 'ecr-pull'].map((check) => [
          environment,
          account,
          region,
          check,
          'ok',
        ]),
      ),
    );
    expect(table[9]).toEqual([
      'dev',
      DEV,
      'eu-west-1',
      'container',
      'ok',
      `app is in task definition arn:aws:ecs:eu-west-1:${DEV}:task-definition/web:1 (containers: app, ${SIDECAR})`,
    ]);
    expect(out[22]).toBe('');
    expect(out.at(-1)).toBe('21 checks: 21 ok, 0 WARN, 0 FAIL, 0 skipped');
    expect(out).not.toContain('To fix:');
    expect(err).toEqual([`crossdeploy doctor: checking the AWS endpoint ${moto.endpoint()}, not AWS itself`]);
  });

  it('warns, and exits 0, while no deploy has granted the target accounts pull yet', async () => {
    writeMap();
    await seedWorld();

    const { code, rows } = await doctorJson();

    expect(code).toBe(0);
    expect(
      rows.filter((row) => row.result !== 'ok').map((row) => [row.account, row.region, row.check, row.result]),
    ).toEqual(TARGETS.map(({ account, region }) => [account, region, 'ecr-pull', 'WARN']));
    const fix = rowOf(rows, 'us-east-1', 'ecr-pull')?.fix ?? '';
    expect(fix).toMatch(/^the first deploy writes it; or run: aws ecr set-repository-policy --region us-east-1 /);
    // The command's policy is the one crossdeploy would write, for both accounts at once.
    const policy = /--policy-text '(.*)'$/.exec(fix)?.[1];
    expect(policyGrantsPull(policy, DEV) && policyGrantsPull(policy, PROD)).toBe(true);
  });

  it('prints the WARN fix once for all the targets it applies to', async () => {
    writeMap();
    await seedWorld();
    const { io, out } = capture(dir);

    expect(await doctor([], io)).toBe(0);

    const heading = out.indexOf('To fix:');
    expect(out[heading + 1]).toBe(
      `  WARN ecr-pull in web dev ${DEV}/us-east-1, web dev ${DEV}/eu-west-1, web prod ${PROD}/us-east-1:`,
    );
    expect(out[heading + 2]).toMatch(/^ {4}the first deploy writes it; or run: aws ecr set-repository-policy /);
    expect(out.at(-1)).toBe('21 checks: 18 ok, 3 WARN, 0 FAIL, 0 skipped');
  });
});

describe('crossdeploy doctor finds what a deployment would trip over', () => {
  it('fails the service check of the one region whose service is missing, naming what to create or correct', async () => {
    writeMap();
    await seedWorld({ account: DEV, region: 'eu-west-1' });
    await seedTarget({ account: DEV, region: 'eu-west-1', cluster: 'demo', service: 'api', alarms: ['web-5xx'] });
    await grantPull();
    const { io, out } = capture(dir);

    expect(await doctor([], io)).toBe(1);

    const table = out.map(cells);
    expect(table).toContainEqual([
      'dev',
      DEV,
      'eu-west-1',
      'service',
      'FAIL',
      'service web is not in cluster demo (DescribeServices: MISSING)',
    ]);
    expect(table).toContainEqual([
      'dev',
      DEV,
      'eu-west-1',
      'container',
      'skipped',
      'needs the service, which was not found',
    ]);
    expect(out).toContain(
      '    create ECS service "web" in cluster "demo" (222222222222/eu-west-1), or correct services.web.service',
    );
    expect(out).toContain(`  FAIL service in web dev ${DEV}/eu-west-1:`);
    expect(out.at(-1)).toBe('21 checks: 17 ok, 0 WARN, 1 FAIL, 3 skipped');
  });

  it('fails the service check when the cluster itself is missing, naming the map key', async () => {
    writeMap();
    await seedWorld({ account: PROD, region: 'us-east-1' });
    await grantPull();

    const { code, rows } = await doctorJson();

    expect(code).toBe(1);
    expect(rowOf(rows, 'us-east-1', 'service', PROD)).toMatchObject({
      result: 'FAIL',
      detail: `cluster demo does not exist in ${PROD}/us-east-1`,
      fix: `create ECS cluster "demo" and its service "web" in ${PROD}/us-east-1, or correct services.web.cluster`,
    });
    expect(rowOf(rows, 'us-east-1', 'alarms', PROD)).toMatchObject({
      result: 'FAIL',
      detail: `missing in ${PROD}/us-east-1: web-5xx`,
    });
  });

  it('fails the service check of a target whose service CodeDeploy deploys, saying what to do', async () => {
    writeMap();
    await seedWorld({ account: PROD, region: 'us-east-1' });
    await seedTarget({
      account: PROD,
      region: 'us-east-1',
      cluster: 'demo',
      service: 'web',
      alarms: ['web-5xx'],
      deploymentController: 'CODE_DEPLOY',
    });
    await grantPull();

    const { code, rows } = await doctorJson();

    expect(code).toBe(1);
    expect(rows.filter((row) => row.result === 'FAIL')).toEqual([
      expect.objectContaining({ account: PROD, region: 'us-east-1', check: 'service' }),
    ]);
    expect(rowOf(rows, 'us-east-1', 'service', PROD)?.detail).toContain('uses the CODE_DEPLOY deployment controller');
    expect(rowOf(rows, 'us-east-1', 'service', PROD)?.fix).toContain(
      'move the service to the ECS deployment controller',
    );
  });

  it('fails the container check when the map names a container the task definition does not have', async () => {
    writeMap(doctorMap({ container: 'nginx' }));
    await seedWorld();
    await grantPull();

    const { code, rows } = await doctorJson();

    expect(code).toBe(1);
    const failed = rows.filter((row) => row.result === 'FAIL');
    expect(failed.map((row) => row.check)).toEqual(['container', 'container', 'container']);
    expect(failed[0]).toMatchObject({
      detail: `container "nginx" is not in task definition arn:aws:ecs:us-east-1:${DEV}:task-definition/web:1 (containers: app, ${SIDECAR})`,
      fix: `set services.web.container to one of app, ${SIDECAR}, or add a container named "nginx" to the task definition of service web`,
    });
  });

  it('fails the platform check of every target whose task definition runs on what the service does not build', async () => {
    writeMap(doctorMap().replace('    cluster: demo\n', '    cluster: demo\n    platforms: [linux/arm64]\n'));
    await seedWorld();
    await grantPull();
    const { io, out } = capture(dir);

    expect(await doctor([], io)).toBe(1);

    const failed = out.map(cells).filter((row) => row[4] === 'FAIL');
    expect(failed.map(([, account, region, check]) => [account, region, check])).toEqual(
      TARGETS.map(({ account, region }) => [account, region, 'platform']),
    );
    expect(failed[0]?.[5]).toBe(
      `task definition arn:aws:ecs:us-east-1:${DEV}:task-definition/web:1 runs on X86_64 LINUX (linux/amd64), as it names no cpuArchitecture, but services.web.platforms builds linux/arm64 only: every task of a deploy would fail to start`,
    );
    const heading = out.indexOf('To fix:');
    expect(out.slice(heading + 1, heading + 3)).toEqual([
      `  FAIL platform in web dev ${DEV}/us-east-1, web dev ${DEV}/eu-west-1, web prod ${PROD}/us-east-1:`,
      '    add linux/amd64 to services.web.platforms, or register a revision for service web whose runtimePlatform is { cpuArchitecture: ARM64, operatingSystemFamily: LINUX }',
    ]);
  });

  it("checks the platform of the map's task definition template, not the live revision", async () => {
    writeMap(doctorMap().replace('    cluster: demo\n', '    cluster: demo\n    taskDefinition: web-task.json\n'));
    const template = {
      family: 'web',
      runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
      containerDefinitions: [{ name: 'app' }],
    };
    writeFileSync(join(dir, 'web-task.json'), JSON.stringify(template));
    await seedWorld();
    await grantPull();

    const { code, rows } = await doctorJson();

    expect(code).toBe(1);
    expect(rowOf(rows, 'eu-west-1', 'platform')).toEqual(
      expect.objectContaining({
        result: 'FAIL',
        detail:
          'the task definition template web-task.json runs on ARM64 LINUX (linux/arm64), but services.web.platforms builds linux/amd64 only: every task of a deploy would fail to start',
        fix: 'add linux/arm64 to services.web.platforms, or set runtimePlatform in web-task.json to { cpuArchitecture: X86_64, operatingSystemFamily: LINUX }',
      }),
    );
  });

  it('fails the alarms check of a target that lacks an alarm of its environment', async () => {
    writeMap();
    await seedWorld({ account: PROD, region: 'us-east-1' });
    await seedTarget({ account: PROD, region: 'us-east-1', cluster: 'demo', service: 'web' });
    await grantPull();

    const { code, rows } = await doctorJson();

    expect(code).toBe(1);
    expect(rows.filter((row) => row.result === 'FAIL')).toEqual([
      expect.objectContaining({
        account: PROD,
        check: 'alarms',
        detail: `missing in ${PROD}/us-east-1: web-5xx`,
        fix: `create the CloudWatch alarm web-5xx in ${PROD}/us-east-1, or correct environments.prod.health.alarms`,
      }),
    ]);
  });

  it('fails the role check when the deploy role cannot be assumed and skips what needs the role', async () => {
    writeMap();
    await seedWorld();
    await grantPull();
    moto.scheduler().injectFault({ account: PROD, region: 'us-east-1' }, { kind: 'deny-assume-role' });

    const { code, rows } = await doctorJson();

    expect(code).toBe(1);
    const prod = rows.filter((row) => row.account === PROD).map((row) => [row.check, row.result, row.detail]);
    expect(prod).toEqual([
      [
        'deploy-role',
        'FAIL',
        expect.stringMatching(/^cannot assume arn:aws:iam::333333333333:role\/crossdeploy-deploy: AccessDenied: /),
      ],
      ['service', 'skipped', 'needs the deploy role, which could not be assumed'],
      ['container', 'skipped', 'needs the deploy role, which could not be assumed'],
      ['platform', 'skipped', 'needs the deploy role, which could not be assumed'],
      ['pass-role', 'skipped', 'needs the deploy role, which could not be assumed'],
      ['alarms', 'skipped', 'needs the deploy role, which could not be assumed'],
      // Read in the tools account with the caller's credentials: the deploy role plays no part.
      ['ecr-pull', 'ok', `the policy of web lets account ${PROD} pull`],
    ]);
    expect(rowOf(rows, 'us-east-1', 'deploy-role', PROD)?.fix).toMatch(
      /^bootstrap account 333333333333 with the target-account stack \(crossdeploy bootstrap --print\) and check its trust policy/,
    );
    expect(rows.filter((row) => row.account === DEV).every((row) => row.result === 'ok')).toBe(true);
  });

  it("checks the container in the map's task definition template, which needs no deploy role", async () => {
    writeMap(doctorMap().replace('    cluster: demo\n', '    cluster: demo\n    taskDefinition: web-task.json\n'));
    const template = { family: 'web', containerDefinitions: [{ name: 'app' }, { name: 'envoy' }] };
    writeFileSync(join(dir, 'web-task.json'), JSON.stringify(template));
    await seedWorld();
    await grantPull();
    moto.scheduler().injectFault({ account: PROD, region: 'us-east-1' }, { kind: 'deny-assume-role' });

    const { code, rows } = await doctorJson();

    expect(code).toBe(1);
    expect(rowOf(rows, 'us-east-1', 'container', PROD)).toMatchObject({
      result: 'ok',
      detail: 'app is in the task definition template web-task.json (containers: app, envoy)',
    });
    expect(rowOf(rows, 'us-east-1', 'service', PROD)?.result).toBe('skipped');
  });

  it('stops at the map when its template lacks the container, as validate does', async () => {
    writeMap(doctorMap().replace('    cluster: demo\n', '    cluster: demo\n    taskDefinition: web-task.json\n'));
    writeFileSync(
      join(dir, 'web-task.json'),
      JSON.stringify({ family: 'web', containerDefinitions: [{ name: 'nginx' }] }),
    );
    const { io, out, err } = capture(dir);

    expect(await doctor([], io)).toBe(1);

    expect(out).toEqual([]);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(
      /^crossdeploy\.yaml:\d+ {2}services\.web\.taskDefinition {2}task definition template .*web-task\.json has no container "app"/,
    );
  });

  it('fails the pull check when a statement of the repository policy denies the target account', async () => {
    writeMap();
    await seedWorld();
    await setPolicy({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'NoProdPulls', Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${PROD}:root` }, Action: 'ecr:*' },
      ],
    });

    const { code, rows } = await doctorJson();

    expect(code).toBe(1);
    expect(rowOf(rows, 'us-east-1', 'ecr-pull', PROD)).toMatchObject({
      result: 'FAIL',
      detail: `the policy of web denies ${PROD} pull, whatever grant crossdeploy writes`,
    });
    expect(rowOf(rows, 'us-east-1', 'ecr-pull', DEV)?.result).toBe('WARN');
  });

  it('fails the pull check of every target when the repository does not exist', async () => {
    writeMap();
    for (const { account, region } of TARGETS) {
      await seedTarget({ account, region, cluster: 'demo', service: 'web', alarms: ['web-5xx'] });
    }

    const { code, rows } = await doctorJson();

    expect(code).toBe(1);
    const ecr = rows.filter((row) => row.check === 'ecr-pull');
    expect(ecr.map((row) => row.result)).toEqual(['FAIL', 'FAIL', 'FAIL']);
    expect(ecr[0]?.detail).toBe('ECR repository web does not exist in 111111111111/us-east-1');
  });
});

/** The deploy role in `account` as the target-account template creates it, with these parameters. */
async function bootstrapDeployRole(account: string, parameters: Record<string, string> = {}) {
  const role = targetAccountResources(account, parameters).DeployRole?.Properties as {
    RoleName: string;
    AssumeRolePolicyDocument: object;
    Policies: { PolicyName: string; PolicyDocument: object }[];
  };
  const iam = clientForAccount(IAMClient, account, 'us-east-1');
  try {
    await iam.send(
      new CreateRoleCommand({
        RoleName: role.RoleName,
        AssumeRolePolicyDocument: JSON.stringify(role.AssumeRolePolicyDocument),
      }),
    );
    for (const policy of role.Policies) {
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: role.RoleName,
          PolicyName: policy.PolicyName,
          PolicyDocument: JSON.stringify(policy.PolicyDocument),
        }),
      );
    }
  } finally {
    iam.destroy();
  }
}

describe('crossdeploy doctor on the roles a revision passes to its tasks', () => {
  // Task definitions may name a role by its name alone: it is then a role of their own account.
  const roles = { taskRoleArn: 'web-task', executionRoleArn: 'ecsTaskExecutionRole' };
  const world = async () => {
    writeMap();
    await seedRepository('web');
    for (const { account, region } of TARGETS) {
      await seedTarget({ account, region, cluster: 'demo', service: 'web', alarms: ['web-5xx'], ...roles });
    }
    await grantPull();
  };

  it("passes the task role of TaskRoleArnPattern and the account's ecsTaskExecutionRole by default", async () => {
    await world();
    await bootstrapDeployRole(DEV);
    await bootstrapDeployRole(PROD);

    const { code, rows } = await doctorJson();

    expect(code).toBe(0);
    expect(rowOf(rows, 'us-east-1', 'pass-role', PROD)).toMatchObject({
      result: 'ok',
      detail: `the deploy role may pass task role arn:aws:iam::${PROD}:role/web-task and execution role arn:aws:iam::${PROD}:role/ecsTaskExecutionRole to ECS tasks`,
    });
  });

  it('fails when the execution role is outside ExecutionRoleArnPattern, naming the role and the parameter', async () => {
    await world();
    await bootstrapDeployRole(DEV);
    await bootstrapDeployRole(PROD, { ExecutionRoleArnPattern: 'arn:aws:iam::*:role/web-execution-*' });

    const { code, rows } = await doctorJson();

    expect(code).toBe(1);
    expect(rows.filter((row) => row.result === 'FAIL').map((row) => [row.account, row.check])).toEqual([
      [PROD, 'pass-role'],
    ]);
    expect(rowOf(rows, 'us-east-1', 'pass-role', PROD)).toMatchObject({
      detail: `the deploy role may not pass execution role arn:aws:iam::${PROD}:role/ecsTaskExecutionRole (named by arn:aws:ecs:us-east-1:${PROD}:task-definition/web:1) to ECS tasks: RegisterTaskDefinition would be refused`,
      fix: `set ExecutionRoleArnPattern of the target-account stack in account ${PROD} to a pattern that matches arn:aws:iam::${PROD}:role/ecsTaskExecutionRole (bootstrap.executionRoleArnPattern in the map, for the app's StackSet)`,
    });
  });

  it('warns when the deploy role was not made by the template, as it cannot tell', async () => {
    await world();
    await bootstrapDeployRole(DEV);

    const { code, rows } = await doctorJson();

    expect(code).toBe(0);
    expect(rowOf(rows, 'us-east-1', 'pass-role', PROD)).toMatchObject({
      result: 'WARN',
      detail: `the deploy role has no policy named ${DEPLOY_ROLE_POLICY_NAME}: it was not made by the target-account stack`,
    });
  });
});

describe('crossdeploy doctor --json', () => {
  it('prints every row with the same keys in the same order, in map order', async () => {
    writeMap();
    await seedWorld({ account: DEV, region: 'eu-west-1' });
    await grantPull();

    const { io, out } = capture(dir);
    expect(await doctor(['--json', '--service', 'web'], io)).toBe(1);

    const rows = JSON.parse(out.join('\n')) as DoctorRow[];
    const at = (account: string, region: string, environment: string) => ({
      service: 'web',
      environment,
      account,
      region,
      cluster: 'demo',
      ecsService: 'web',
      stack: null,
    });
    const td = (account: string, region: string) => `arn:aws:ecs:${region}:${account}:task-definition/web:1`;
    const healthy = (account: string, region: string, environment: string) => [
      {
        ...at(account, region, environment),
        check: 'deploy-role',
        result: 'ok',
        detail: `assumed arn:aws:iam::${account}:role/crossdeploy-deploy`,
        fix: null,
      },
      {
        ...at(account, region, environment),
        check: 'service',
        result: 'ok',
        detail: `demo/web is ACTIVE, on ${td(account, region)}`,
        fix: null,
      },
      {
        ...at(account, region, environment),
        check: 'container',
        result: 'ok',
        detail: `app is in task definition ${td(account, region)} (containers: app, ${SIDECAR})`,
        fix: null,
      },
      {
        ...at(account, region, environment),
        check: 'platform',
        result: 'ok',
        detail: `task definition ${td(account, region)} runs on X86_64 LINUX (linux/amd64), as it names no cpuArchitecture; services.web.platforms builds linux/amd64`,
        fix: null,
      },
      {
        ...at(account, region, environment),
        check: 'pass-role',
        result: 'ok',
        detail: `${td(account, region)} names no task or execution role`,
        fix: null,
      },
      { ...at(account, region, environment), check: 'alarms', result: 'ok', detail: 'web-5xx exists', fix: null },
      {
        ...at(account, region, environment),
        check: 'ecr-pull',
        result: 'ok',
        detail: `the policy of web lets account ${account} pull`,
        fix: null,
      },
    ];
    const west = at(DEV, 'eu-west-1', 'dev');
    expect(rows).toEqual([
      ...healthy(DEV, 'us-east-1', 'dev'),
      {
        ...west,
        check: 'deploy-role',
        result: 'ok',
        detail: `assumed arn:aws:iam::${DEV}:role/crossdeploy-deploy`,
        fix: null,
      },
      {
        ...west,
        check: 'service',
        result: 'FAIL',
        detail: `cluster demo does not exist in ${DEV}/eu-west-1`,
        fix: `create ECS cluster "demo" and its service "web" in ${DEV}/eu-west-1, or correct services.web.cluster`,
      },
      { ...west, check: 'container', result: 'skipped', detail: 'needs the service, which was not found', fix: null },
      { ...west, check: 'platform', result: 'skipped', detail: 'needs the service, which was not found', fix: null },
      {
        ...west,
        check: 'pass-role',
        result: 'skipped',
        detail: 'needs the revision, which could not be read',
        fix: null,
      },
      {
        ...west,
        check: 'alarms',
        result: 'FAIL',
        detail: `missing in ${DEV}/eu-west-1: web-5xx`,
        fix: `create the CloudWatch alarm web-5xx in ${DEV}/eu-west-1, or correct environments.dev.health.alarms`,
      },
      { ...west, check: 'ecr-pull', result: 'ok', detail: `the policy of web lets account ${DEV} pull`, fix: null },
      ...healthy(PROD, 'us-east-1', 'prod'),
    ]);
    for (const row of rows) expect(Object.keys(row)).toEqual(Object.keys(rows[0] as DoctorRow));
  });
});

describe('crossdeploy doctor with many targets', () => {
  const regions = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1'];
  const manyTargets = doctorMap().replace(
    `targets: [{ account: "${DEV}", regions: [us-east-1, eu-west-1] }]`,
    `targets: [{ account: "${DEV}", regions: [${regions.join(', ')}] }, { account: "444444444444", regions: [${regions.join(', ')}] }]`,
  );

  it('reports progress on stderr, a line per target', async () => {
    writeMap(manyTargets);
    const { io, err } = capture(dir);

    expect(await doctor([], io)).toBe(1);

    const progress = err.filter((line) => line.startsWith('doctor: '));
    expect(progress.map((line) => line.split(' ')[1])).toEqual(Array.from({ length: 11 }, (_, i) => `${i + 1}/11`));
    expect(err.at(-1)).toMatch(/^doctor: 11\/11 checked web (dev|prod) \d{12}\/[a-z0-9-]+$/);
  });

  it('checks at most `concurrency` targets at once', async () => {
    const map = mapOf(manyTargets);
    const real = doctorClients('us-east-1');
    let open = 0;
    let most = 0;
    const clients = {
      ...real,
      inTarget: (...args: Parameters<typeof real.inTarget>) => {
        most = Math.max(most, ++open);
        const opened = real.inTarget(...args);
        return {
          ...opened,
          destroy: () => {
            open--;
            opened.destroy();
          },
        };
      },
    };

    const rows = await runDoctor(map, { clients, concurrency: 3 });

    real.destroy();
    expect(rows).toHaveLength(77);
    expect(most).toBe(3);
  });
});

describe('crossdeploy doctor with several services', () => {
  const twoServices = mapYaml([WEB, { ...WORKER, cluster: 'demo' }], ENVIRONMENTS);

  it('prints a table per service, and only the asked one with --service', async () => {
    writeMap(twoServices);
    await seedWorld();
    await grantPull();

    const all = capture(dir);
    expect(await doctor([], all.io)).toBe(1);
    const worker = capture(dir);
    expect(await doctor(['--service', 'worker'], worker.io)).toBe(1);

    expect(all.out.filter((line) => line.startsWith('service '))).toEqual(['service web', 'service worker']);
    expect(all.out.at(-1)).toMatch(/^35 checks: /);
    expect(worker.out[0]).toMatch(/^ENVIRONMENT/);
    expect(worker.out.at(-1)).toMatch(/^14 checks: /);
  });
});

describe('crossdeploy doctor arguments', () => {
  it('exits 2 naming the services when --service is not in the map', async () => {
    writeMap();
    const { io, err } = capture(dir);
    expect(await doctor(['--service', 'api'], io)).toBe(2);
    expect(err).toEqual(['crossdeploy doctor: service "api" is not in the map (services: web)']);
  });

  it('prints the map errors with their lines and exits 1 when the map is invalid', async () => {
    writeMap(doctorMap().replace('repository: web', 'repository: Web!'), 'broken.yaml');
    const { io, err } = capture(dir);
    expect(await doctor(['--map', 'broken.yaml'], io)).toBe(1);
    expect(err).toEqual(['broken.yaml:6  services.web.repository  must be an ECR repository name']);
  });

  it.each([[['--fix']], [['web']]])('exits 2 with usage for %j', async (args) => {
    const { io, err } = capture(dir);
    expect(await doctor(args, io)).toBe(2);
    expect(err.at(-1)).toMatch(
      /^usage: crossdeploy doctor \[--map FILE\] \[--service NAME\] \[--env NAME\] \[--json\]/,
    );
  });
});
