import { describe, expect, it } from 'vitest';
import {
  alarmsOutcome,
  containerOutcome,
  type DoctorRow,
  type DoctorTarget,
  deployRoleCallFailed,
  doctorTargets,
  ecrPullOutcomes,
  exitCodeOf,
  fixesOf,
  type PolicyRead,
  passRoleOutcome,
  platformOutcome,
  roleOutcome,
  type ServiceLookup,
  serviceOutcome,
  summaryOf,
  toRow,
} from '../../core/doctor';
import { type EcrContext, grantCommand } from '../../core/ecr-policy';
import { allowPull, denyAll, orgCondition, policy } from '../support/ecr-policy';
import { mapOf, mapYaml, WEB, WORKER } from '../support/map';

const DEV = '222222222222';
const PROD = '333333333333';
const OTHER = '444444444444';
const ORG = 'o-a1b2c3d4e5';
const ROLE = `arn:aws:iam::${DEV}:role/crossdeploy-deploy`;

const target = (overrides: Partial<DoctorTarget> = {}): DoctorTarget => ({
  service: 'web',
  environment: 'dev',
  account: DEV,
  region: 'eu-west-1',
  cluster: 'demo',
  ecsService: 'web',
  container: 'app',
  platforms: ['linux/amd64'],
  clusterOverridden: false,
  serviceOverridden: false,
  alarms: ['web-5xx'],
  instance: null,
  ...overrides,
});

const MAP = mapOf(
  mapYaml(
    [WEB, WORKER],
    `
  dev:
    targets: [{ account: "${DEV}", regions: [us-east-1, eu-west-1] }]
    health: { alarms: [web-5xx, web-5xx] }
  prod:
    waves:
      - targets: [{ account: "${PROD}", regions: [us-east-1] }]
      - targets: [{ account: "${OTHER}", regions: [eu-west-1], cluster: legacy, service: web-v2 }]
`,
  ),
);

describe('doctorTargets', () => {
  it('walks the environments each service deploys to, wave by wave, with the service defaults and overrides', () => {
    const targets = doctorTargets(MAP).map((t) => [
      t.service,
      t.environment,
      t.account,
      t.region,
      t.cluster,
      t.ecsService,
      t.clusterOverridden,
      t.serviceOverridden,
    ]);
    expect(targets).toEqual([
      ['web', 'dev', DEV, 'us-east-1', 'demo', 'web', false, false],
      ['web', 'dev', DEV, 'eu-west-1', 'demo', 'web', false, false],
      ['web', 'prod', PROD, 'us-east-1', 'demo', 'web', false, false],
      ['web', 'prod', OTHER, 'eu-west-1', 'legacy', 'web-v2', true, true],
      // worker deploys to dev only: prod's targets are not its concern.
      ['worker', 'dev', DEV, 'us-east-1', 'jobs', 'worker', false, false],
      ['worker', 'dev', DEV, 'eu-west-1', 'jobs', 'worker', false, false],
    ]);
  });

  it("carries the environment's alarms once each, and the service's container", () => {
    const [first] = doctorTargets(MAP, { service: 'worker' });
    expect(first).toMatchObject({ container: 'worker', alarms: ['web-5xx'] });
  });

  it('keeps to one environment when asked', () => {
    expect(doctorTargets(MAP, { env: 'prod' }).map((t) => [t.service, t.account])).toEqual([
      ['web', PROD],
      ['web', OTHER],
    ]);
  });

  it('keeps to one service when asked, and refuses one the map does not have', () => {
    expect(doctorTargets(MAP, { service: 'worker' }).map((t) => t.service)).toEqual(['worker', 'worker']);
    expect(() => doctorTargets(MAP, { service: 'api' })).toThrow('unknown service "api" (services: web, worker)');
  });
});

describe('roleOutcome', () => {
  it.each([
    ['assumed', undefined, 'ok', `assumed ${ROLE}`, undefined],
    [
      'refused',
      { action: 'sts:AssumeRole', error: 'AccessDenied: not authorized', transient: false },
      'FAIL',
      `cannot assume ${ROLE}: AccessDenied: not authorized`,
      /^bootstrap account 222222222222 with the target-account stack \(crossdeploy bootstrap --print\) and check its trust policy/,
    ],
    [
      'throttled',
      { action: 'sts:AssumeRole', error: 'Throttling: slow down', transient: true },
      'FAIL',
      `cannot assume ${ROLE}: Throttling: slow down`,
      /run crossdeploy doctor again$/,
    ],
    [
      'without credentials',
      { action: 'sts:AssumeRole', error: 'CredentialsProviderError: none', transient: false, noCredentials: true },
      'FAIL',
      `cannot assume ${ROLE}: CredentialsProviderError: none`,
      /^give doctor AWS credentials of the tools account/,
    ],
  ])('%s: %s', (_, failure, result, detail, fix) => {
    const outcome = roleOutcome(DEV, ROLE, failure);
    expect(outcome).toMatchObject({ result, detail });
    if (fix === undefined) expect(outcome.fix).toBeUndefined();
    else expect(outcome.fix).toMatch(fix);
  });
});

describe('deployRoleCallFailed', () => {
  it('asks for the permission the deploy role lacks, in the account it lacks it', () => {
    const failure = { action: 'ecs:DescribeServices', error: 'AccessDeniedException: no', transient: false };
    expect(deployRoleCallFailed(target(), failure)).toEqual({
      result: 'FAIL',
      detail: 'ecs:DescribeServices failed: AccessDeniedException: no',
      fix:
        'the deploy role in account 222222222222 must allow ecs:DescribeServices: deploy the current ' +
        'target-account stack there (crossdeploy bootstrap --print)',
    });
  });
});

describe('serviceOutcome', () => {
  const createWeb =
    'create ECS service "web" in cluster "demo" (222222222222/eu-west-1), or correct services.web.service';
  it.each<[string, Partial<DoctorTarget>, ServiceLookup, string, string, string | undefined]>([
    [
      'an active service',
      {},
      { kind: 'found', status: 'ACTIVE', taskDefinition: 'arn:td/web:3' },
      'ok',
      'demo/web is ACTIVE, on arn:td/web:3',
      undefined,
    ],
    [
      'a missing cluster',
      {},
      { kind: 'no-cluster' },
      'FAIL',
      'cluster demo does not exist in 222222222222/eu-west-1',
      'create ECS cluster "demo" and its service "web" in 222222222222/eu-west-1, or correct services.web.cluster',
    ],
    [
      "a missing cluster the target's override names",
      { clusterOverridden: true },
      { kind: 'no-cluster' },
      'FAIL',
      'cluster demo does not exist in 222222222222/eu-west-1',
      'create ECS cluster "demo" and its service "web" in 222222222222/eu-west-1, or correct the cluster of this target in environments.dev',
    ],
    [
      'a missing service',
      {},
      { kind: 'missing', reason: 'MISSING' },
      'FAIL',
      'service web is not in cluster demo (DescribeServices: MISSING)',
      createWeb,
    ],
    [
      "a missing service the target's override names",
      { serviceOverridden: true },
      { kind: 'missing', reason: 'MISSING' },
      'FAIL',
      'service web is not in cluster demo (DescribeServices: MISSING)',
      'create ECS service "web" in cluster "demo" (222222222222/eu-west-1), or correct the service of this target in environments.dev',
    ],
    [
      'a deleted service',
      {},
      { kind: 'found', status: 'INACTIVE' },
      'FAIL',
      'service web in cluster demo is INACTIVE (deleted)',
      createWeb,
    ],
    [
      'a service being deleted',
      {},
      { kind: 'found', status: 'DRAINING', taskDefinition: 'arn:td/web:3' },
      'WARN',
      'service web in cluster demo is DRAINING (being deleted)',
      createWeb,
    ],
    [
      'a service CodeDeploy deploys',
      {},
      { kind: 'found', status: 'ACTIVE', taskDefinition: 'arn:td/web:3', deploymentController: 'CODE_DEPLOY' },
      'FAIL',
      'demo/web uses the CODE_DEPLOY deployment controller, whose task definition UpdateService cannot change; crossdeploy deploys only services with the ECS (rolling update) deployment controller',
      'keep deploying it with CodeDeploy (CreateDeployment) and take the target out of the map, or move the service to the ECS deployment controller',
    ],
    [
      'a service an external controller deploys',
      {},
      { kind: 'found', status: 'ACTIVE', deploymentController: 'EXTERNAL' },
      'FAIL',
      'demo/web uses the EXTERNAL deployment controller, whose task definition UpdateService cannot change; crossdeploy deploys only services with the ECS (rolling update) deployment controller',
      'keep deploying it with its EXTERNAL controller (task sets) and take the target out of the map, or move the service to the ECS deployment controller',
    ],
    [
      'a service the ECS controller deploys, said so explicitly',
      {},
      { kind: 'found', status: 'ACTIVE', taskDefinition: 'arn:td/web:3', deploymentController: 'ECS' },
      'ok',
      'demo/web is ACTIVE, on arn:td/web:3',
      undefined,
    ],
  ])('%s', (_, overrides, lookup, result, detail, fix) => {
    expect(serviceOutcome(target(overrides), lookup)).toEqual({ result, detail, ...(fix ? { fix } : {}) });
  });
});

describe('passRoleOutcome', () => {
  const td = 'task definition arn:td/web:3';
  it('is ok when the revision names no role', () => {
    expect(passRoleOutcome(target(), td, [])).toEqual({
      result: 'ok',
      detail: `${td} names no task or execution role`,
    });
  });

  it('fails naming each refused role and the template parameter that would admit it', () => {
    const outcome = passRoleOutcome(target(), td, [
      { kind: 'task', arn: 'arn:aws:iam::222222222222:role/admin', allowed: false },
      { kind: 'execution', arn: 'arn:aws:iam::222222222222:role/exec', allowed: false },
    ]);

    expect(outcome.result).toBe('FAIL');
    expect(outcome.detail).toBe(
      'the deploy role may not pass task role arn:aws:iam::222222222222:role/admin or execution role ' +
        `arn:aws:iam::222222222222:role/exec (named by ${td}) to ECS tasks: RegisterTaskDefinition would be refused`,
    );
    expect(outcome.fix).toContain(
      'set TaskRoleArnPattern of the target-account stack in account 222222222222 to a pattern that matches arn:aws:iam::222222222222:role/admin',
    );
    expect(outcome.fix).toContain(
      'set ExecutionRoleArnPattern of the target-account stack in account 222222222222 to a pattern that matches arn:aws:iam::222222222222:role/exec',
    );
  });
});

describe('containerOutcome', () => {
  it.each([
    [
      'in the live revision',
      { kind: 'live' as const, taskDefinition: 'arn:td/web:3', containers: ['app', 'log-router'] },
      'ok',
      'app is in task definition arn:td/web:3 (containers: app, log-router)',
      undefined,
    ],
    [
      'not in the live revision',
      { kind: 'live' as const, taskDefinition: 'arn:td/web:3', containers: ['nginx', 'log-router'] },
      'FAIL',
      'container "app" is not in task definition arn:td/web:3 (containers: nginx, log-router)',
      'set services.web.container to one of nginx, log-router, or add a container named "app" to the task definition of service web',
    ],
    [
      'in the template',
      { kind: 'template' as const, file: 'web-task.json', containers: ['app'] },
      'ok',
      'app is in the task definition template web-task.json (containers: app)',
      undefined,
    ],
    [
      'not in a template without containers',
      { kind: 'template' as const, file: 'web-task.json', containers: [] },
      'FAIL',
      'container "app" is not in the task definition template web-task.json (containers: none)',
      'add a container named "app" to web-task.json',
    ],
  ])('%s', (_, source, result, detail, fix) => {
    expect(containerOutcome(target(), source)).toEqual({ result, detail, ...(fix ? { fix } : {}) });
  });
});

describe('platformOutcome', () => {
  const live = (runtimePlatform?: { cpuArchitecture?: string; operatingSystemFamily?: string }) => ({
    kind: 'live' as const,
    taskDefinition: 'arn:td/web:3',
    ...(runtimePlatform && { runtimePlatform }),
  });
  it.each([
    [
      'a revision without runtimePlatform runs on X86_64, which linux/amd64 is built for',
      ['linux/amd64'],
      live(),
      'ok',
      'task definition arn:td/web:3 runs on X86_64 LINUX (linux/amd64), as it names no cpuArchitecture; services.web.platforms builds linux/amd64',
      undefined,
    ],
    [
      'a revision without runtimePlatform, for an arm64-only build',
      ['linux/arm64'],
      live(),
      'FAIL',
      'task definition arn:td/web:3 runs on X86_64 LINUX (linux/amd64), as it names no cpuArchitecture, but services.web.platforms builds linux/arm64 only: every task of a deploy would fail to start',
      'add linux/amd64 to services.web.platforms, or register a revision for service web whose runtimePlatform is { cpuArchitecture: ARM64, operatingSystemFamily: LINUX }',
    ],
    [
      'a runtimePlatform that names LINUX but no cpuArchitecture is X86_64 too',
      ['linux/arm64'],
      live({ operatingSystemFamily: 'LINUX' }),
      'FAIL',
      'task definition arn:td/web:3 runs on X86_64 LINUX (linux/amd64), as it names no cpuArchitecture, but services.web.platforms builds linux/arm64 only: every task of a deploy would fail to start',
      'add linux/amd64 to services.web.platforms, or register a revision for service web whose runtimePlatform is { cpuArchitecture: ARM64, operatingSystemFamily: LINUX }',
    ],
    [
      'an ARM64 revision and a linux/amd64 build',
      ['linux/amd64'],
      live({ cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' }),
      'FAIL',
      'task definition arn:td/web:3 runs on ARM64 LINUX (linux/arm64), but services.web.platforms builds linux/amd64 only: every task of a deploy would fail to start',
      'add linux/arm64 to services.web.platforms, or register a revision for service web whose runtimePlatform is { cpuArchitecture: X86_64, operatingSystemFamily: LINUX }',
    ],
    [
      'an ARM64 revision and a two-platform build',
      ['linux/amd64', 'linux/arm64'],
      live({ cpuArchitecture: 'ARM64' }),
      'ok',
      'task definition arn:td/web:3 runs on ARM64 LINUX (linux/arm64); services.web.platforms builds linux/amd64, linux/arm64',
      undefined,
    ],
    [
      'an ARM64 template and a linux/amd64 build: the template is what to change',
      ['linux/amd64'],
      { kind: 'template' as const, file: 'web-task.json', runtimePlatform: { cpuArchitecture: 'ARM64' } },
      'FAIL',
      'the task definition template web-task.json runs on ARM64 LINUX (linux/arm64), but services.web.platforms builds linux/amd64 only: every task of a deploy would fail to start',
      'add linux/arm64 to services.web.platforms, or set runtimePlatform in web-task.json to { cpuArchitecture: X86_64, operatingSystemFamily: LINUX }',
    ],
    [
      'a Windows revision, which crossdeploy builds nothing for',
      ['linux/amd64', 'linux/arm64'],
      live({ cpuArchitecture: 'X86_64', operatingSystemFamily: 'WINDOWS_SERVER_2022_CORE' }),
      'FAIL',
      'task definition arn:td/web:3 runs on X86_64 WINDOWS_SERVER_2022_CORE (windows_server_2022_core/x86_64), but services.web.platforms builds linux/amd64, linux/arm64 only: every task of a deploy would fail to start',
      'crossdeploy builds Linux images only: register a revision for service web whose runtimePlatform is { cpuArchitecture: X86_64, operatingSystemFamily: LINUX } or { cpuArchitecture: ARM64, operatingSystemFamily: LINUX }',
    ],
  ])('%s', (_, platforms, source, result, detail, fix) => {
    expect(platformOutcome(target({ platforms }), source)).toEqual({ result, detail, ...(fix ? { fix } : {}) });
  });
});

describe('alarmsOutcome', () => {
  it.each([
    ['no alarms in the map', [], [], 'ok', 'environments.dev.health.alarms names no alarms', undefined],
    ['every alarm there', ['web-5xx'], [{ name: 'web-5xx', state: 'OK' }], 'ok', 'web-5xx exists', undefined],
    [
      'every alarm there, new ones without data',
      ['web-5xx', 'web-latency'],
      [
        { name: 'web-latency', state: 'INSUFFICIENT_DATA' },
        { name: 'web-5xx', state: 'OK' },
      ],
      'ok',
      'web-5xx, web-latency exist',
      undefined,
    ],
    [
      'one missing',
      ['web-5xx', 'web-latency'],
      [{ name: 'web-5xx', state: 'OK' }],
      'FAIL',
      'missing in 222222222222/eu-west-1: web-latency',
      'create the CloudWatch alarm web-latency in 222222222222/eu-west-1, or correct environments.dev.health.alarms',
    ],
    [
      'all missing',
      ['web-5xx', 'web-latency'],
      [],
      'FAIL',
      'missing in 222222222222/eu-west-1: web-5xx, web-latency',
      'create the CloudWatch alarms web-5xx, web-latency in 222222222222/eu-west-1, or correct environments.dev.health.alarms',
    ],
    [
      'one in ALARM now',
      ['web-5xx'],
      [{ name: 'web-5xx', state: 'ALARM' }],
      'WARN',
      'in ALARM now: web-5xx',
      "a deploy's bake fails while web-5xx is in ALARM: look at what set it off",
    ],
  ])('%s', (_, alarms, found, result, detail, fix) => {
    expect(alarmsOutcome(target({ alarms }), found)).toEqual({ result, detail, ...(fix ? { fix } : {}) });
  });
});

describe('ecrPullOutcomes', () => {
  const ctx: EcrContext = { repository: 'web', orchestrator: { account: '111111111111', region: 'us-east-1' } };
  const outcomes = (read: PolicyRead, accounts = [DEV, PROD, DEV], context = ctx) =>
    ecrPullOutcomes(context, read, accounts);

  it('warns every account without a grant with one command that grants them all, as the first deploy would', () => {
    const [dev, prod, devAgain] = outcomes({ kind: 'policy', text: undefined });

    expect(dev).toMatchObject({ result: 'WARN', detail: 'web has no repository policy yet' });
    expect(dev?.fix).toBe(`the first deploy writes it; or run: ${grantCommand(ctx, undefined, [DEV, PROD])}`);
    expect(prod).toEqual(dev);
    expect(devAgain).toEqual(dev);
  });

  it('says ok for a granted account and grants only the others', () => {
    const text = policy(allowPull({ AWS: DEV }));
    const [dev, prod] = outcomes({ kind: 'policy', text }, [DEV, PROD]);

    expect(dev).toEqual({ result: 'ok', detail: 'the policy of web lets account 222222222222 pull' });
    expect(prod).toEqual({
      result: 'WARN',
      detail: 'the policy of web does not grant account 333333333333 pull yet',
      fix: `the first deploy writes it; or run: ${grantCommand(ctx, text, [PROD])}`,
    });
  });

  it('fails a denied account with the statement to remove', () => {
    const [dev] = outcomes({ kind: 'policy', text: policy(denyAll(DEV)) }, [DEV]);
    expect(dev).toEqual({
      result: 'FAIL',
      detail: 'the policy of web denies 222222222222 pull, whatever grant crossdeploy writes',
      fix: 'remove or narrow the Deny statement in the repository policy of web (111111111111/us-east-1) that covers account 222222222222',
    });
  });

  it('names the organization when the map grants by organization', () => {
    const org = { ...ctx, principalOrgId: ORG };
    const [granted] = outcomes({ kind: 'policy', text: policy(allowPull('*', orgCondition(ORG))) }, [DEV], org);
    const [waiting] = outcomes({ kind: 'policy', text: policy() }, [DEV], org);

    expect(granted?.detail).toBe('the policy of web lets organization o-a1b2c3d4e5 (222222222222) pull');
    expect(waiting?.detail).toBe('the policy of web does not grant organization o-a1b2c3d4e5 (222222222222) pull yet');
  });

  it.each<[string, PolicyRead, string, RegExp]>([
    [
      'a missing repository',
      { kind: 'no-repository' },
      'ECR repository web does not exist in 111111111111/us-east-1',
      /^deploy the orchestrator \(npx sst deploy\).* aws ecr create-repository --region us-east-1 --repository-name web$/,
    ],
    [
      'a policy that is not JSON',
      { kind: 'policy', text: '{nope' },
      'the ECR repository policy is not valid JSON',
      /^correct the policy: aws ecr get-repository-policy --region us-east-1 --repository-name web$/,
    ],
    [
      'a policy the caller may not read',
      {
        kind: 'failed',
        failure: { action: 'ecr:GetRepositoryPolicy', error: 'AccessDeniedException: no', transient: false },
      },
      'ecr:GetRepositoryPolicy failed: AccessDeniedException: no',
      /^run doctor with credentials of the tools account 111111111111 that may call ecr:GetRepositoryPolicy on web$/,
    ],
  ])('fails every account on %s', (_, read, detail, fix) => {
    const all = outcomes(read, [DEV, PROD]);
    expect(all).toHaveLength(2);
    for (const outcome of all) {
      expect(outcome.result).toBe('FAIL');
      expect(outcome.detail).toContain(detail);
      expect(outcome.fix).toMatch(fix);
    }
  });
});

describe('the report', () => {
  const row = (overrides: Partial<DoctorRow>): DoctorRow => ({
    ...toRow(target(), 'service', { result: 'ok', detail: 'fine' }),
    ...overrides,
  });
  const rows = [
    row({ check: 'ecr-pull', result: 'WARN', fix: 'grant it' }),
    row({ check: 'deploy-role', result: 'FAIL', fix: 'bootstrap' }),
    row({ region: 'us-east-1', check: 'ecr-pull', result: 'WARN', fix: 'grant it' }),
    row({ region: 'us-east-1', check: 'deploy-role', result: 'FAIL', fix: 'bootstrap' }),
    row({ check: 'service', result: 'skipped', detail: 'needs the deploy role' }),
    row({ account: PROD, check: 'alarms', result: 'FAIL', fix: 'create web-5xx' }),
  ];

  it('turns an outcome into a row with every key, fix null when there is none', () => {
    expect(toRow(target(), 'alarms', { result: 'ok', detail: 'web-5xx exists' })).toEqual({
      service: 'web',
      environment: 'dev',
      account: DEV,
      region: 'eu-west-1',
      cluster: 'demo',
      ecsService: 'web',
      stack: null,
      check: 'alarms',
      result: 'ok',
      detail: 'web-5xx exists',
      fix: null,
    });
  });

  it('lists each fix once with every place it applies to, failures first', () => {
    expect(fixesOf(rows)).toEqual([
      {
        check: 'deploy-role',
        result: 'FAIL',
        fix: 'bootstrap',
        where: [`web dev ${DEV}/eu-west-1`, `web dev ${DEV}/us-east-1`],
      },
      { check: 'alarms', result: 'FAIL', fix: 'create web-5xx', where: [`web dev ${PROD}/eu-west-1`] },
      {
        check: 'ecr-pull',
        result: 'WARN',
        fix: 'grant it',
        where: [`web dev ${DEV}/eu-west-1`, `web dev ${DEV}/us-east-1`],
      },
    ]);
  });

  it.each([
    ['a FAIL', rows, 1],
    ['only ok and WARN', [row({}), row({ result: 'WARN', fix: 'x' })], 0],
    ['ok and skipped', [row({}), row({ result: 'skipped' })], 0],
    ['no rows', [], 0],
  ])('exits 1 only on %s', (_, list, code) => {
    expect(exitCodeOf(list)).toBe(code);
  });

  it('counts the rows by result', () => {
    expect(summaryOf(rows)).toBe('6 checks: 0 ok, 2 WARN, 3 FAIL, 1 skipped');
    expect(summaryOf([row({})])).toBe('1 check: 1 ok, 0 WARN, 0 FAIL, 0 skipped');
  });
});
