import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  awaitingInstance,
  type DoctorTarget,
  doctorTargets,
  environmentStackOutcome,
  type Outcome,
  pendingAlarmsOutcome,
  pendingInstance,
  pendingServiceOutcome,
  type ServiceInstanceRef,
  type ServiceLookup,
  type StackRead,
  type TemplateRead,
  templateOutcome,
} from '../../core/doctor';
import { parseMap } from '../../core/map/load';
import { mapOf, mapYaml, WEB } from '../support/map';

const DEV = '222222222222';
const MAP_FILE = fileURLToPath(new URL('../fixtures/crossdeploy.yaml', import.meta.url));

const INSTANCE: ServiceInstanceRef = {
  name: 'web',
  version: 'v1.0',
  label: 'services/web v1.0',
  stack: 'crossdeploy-svc-web-dev',
  environmentStack: 'crossdeploy-env-dev',
};

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
  instance: INSTANCE,
  ...overrides,
});

const verdict = ({ result, fix }: Outcome) => [result, fix ?? null];

describe('doctorTargets with templates', () => {
  it("names the instance a templated service's first deploy creates, and the environment stack only where the environment has a template", () => {
    const parsed = parseMap(
      mapYaml(
        [{ ...WEB, more: ['template: { name: web, version: v1.1, inputs: { Port: 80 } }'] }],
        `
  dev:
    template: { name: apps, version: v1.0, inputs: { ClusterName: demo } }
    targets: [{ account: "${DEV}", regions: [us-east-1] }]
  prod:
    targets: [{ account: "333333333333", regions: [us-east-1] }]
`,
      ),
      // The map's templates folder is read beside it: test/fixtures/templates.
      { file: MAP_FILE },
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(doctorTargets(parsed.map).map((t) => t.instance)).toEqual([
      {
        name: 'web',
        version: 'v1.1',
        label: 'services/web v1.1',
        stack: 'crossdeploy-svc-web-dev',
        environmentStack: 'crossdeploy-env-dev',
      },
      {
        name: 'web',
        version: 'v1.1',
        label: 'services/web v1.1',
        stack: 'crossdeploy-svc-web-prod',
        environmentStack: null,
      },
    ]);
  });

  it('gives a service without a template no instance', () => {
    const map = mapOf(
      mapYaml(
        [{ ...WEB, branches: '{ main: [dev] }' }],
        `\n  dev:\n    targets: [{ account: "${DEV}", regions: [us-east-1] }]\n`,
      ),
    );
    expect(doctorTargets(map).map((t) => t.instance)).toEqual([null]);
  });
});

describe('pendingInstance', () => {
  const failed = { failure: { action: 'ecs:DescribeServices', error: 'AccessDenied: no', transient: false } };
  it.each<[string, ServiceLookup | typeof failed, DoctorTarget, boolean]>([
    ['a missing service of a templated service', { kind: 'missing', reason: 'MISSING' }, target(), true],
    ['no cluster yet', { kind: 'no-cluster' }, target(), true],
    [
      'a deleted (INACTIVE) service, which the first deploy creates again',
      { kind: 'found', status: 'INACTIVE' },
      target(),
      true,
    ],
    ['an ACTIVE service', { kind: 'found', status: 'ACTIVE', taskDefinition: 'web:1' }, target(), false],
    ['a DRAINING service, which is still there', { kind: 'found', status: 'DRAINING' }, target(), false],
    ['a lookup that failed: nothing is known', failed, target(), false],
    ['a missing service without a template', { kind: 'missing', reason: 'MISSING' }, target({ instance: null }), false],
  ])('%s → %s', (_, lookup, t, pending) => {
    expect(pendingInstance(t, lookup)).toBe(pending ? INSTANCE : undefined);
  });
});

describe('pendingServiceOutcome', () => {
  it.each<[ServiceLookup, string]>([
    [
      { kind: 'missing', reason: 'MISSING' },
      'service web is not in cluster demo yet (DescribeServices: MISSING): its first deploy creates it from services/web v1.0 (stack crossdeploy-svc-web-dev)',
    ],
    [
      { kind: 'no-cluster' },
      `cluster demo does not exist in ${DEV}/eu-west-1 yet: its first deploy creates it from services/web v1.0 (stack crossdeploy-svc-web-dev)`,
    ],
    [
      { kind: 'found', status: 'INACTIVE' },
      'service web is not in cluster demo yet (DescribeServices: INACTIVE): its first deploy creates it from services/web v1.0 (stack crossdeploy-svc-web-dev)',
    ],
  ])('%j is ok, saying what the first deploy creates', (lookup, detail) => {
    expect(pendingServiceOutcome(target(), INSTANCE, lookup)).toEqual({ result: 'ok', detail });
  });

  it('skips what reads the live task definition until the template created it', () => {
    expect(awaitingInstance(INSTANCE)).toEqual({
      result: 'skipped',
      detail: 'needs the service, which its first deploy creates from services/web v1.0: checked once it exists',
    });
  });
});

describe('pendingAlarmsOutcome', () => {
  it.each<[string, string[], Array<{ name: string; state?: string }>, string, string]>([
    ['all there: judged as ever', ['web-5xx'], [{ name: 'web-5xx', state: 'OK' }], 'ok', 'web-5xx exists'],
    ['one firing: judged as ever', ['web-5xx'], [{ name: 'web-5xx', state: 'ALARM' }], 'WARN', 'in ALARM now: web-5xx'],
    [
      'one missing: the template may create it',
      ['web-5xx'],
      [],
      'skipped',
      `web-5xx is not in ${DEV}/eu-west-1 yet: services/web v1.0 may create it with the service; checked once the service exists`,
    ],
    [
      'two missing',
      ['web-5xx', 'web-latency', 'web-up'],
      [{ name: 'web-up' }],
      'skipped',
      `web-5xx, web-latency are not in ${DEV}/eu-west-1 yet: services/web v1.0 may create them with the service; checked once the service exists`,
    ],
  ])('%s', (_, alarms, found, result, detail) => {
    expect(pendingAlarmsOutcome(target({ alarms }), INSTANCE, found)).toMatchObject({ result, detail });
  });
});

describe('templateOutcome', () => {
  const PUBLISH_FIX =
    "publish it from the platform team's templates folder (crossdeploy template publish), or set " +
    'services.web.template.version to a published version';
  const failed = (error: string, extra: { transient?: boolean; noCredentials?: boolean } = {}): TemplateRead => ({
    kind: 'failed',
    table: 'crossdeploy-prod-templates',
    failure: { action: 'dynamodb:GetItem', error, transient: false, ...extra },
  });

  it.each<[string, TemplateRead, boolean, Outcome['result'], string | null]>([
    [
      'published',
      { kind: 'published', hash: 'a'.repeat(64), publishedAt: '2026-12-01T00:00:00.000Z', publishedBy: 'arn:platform' },
      true,
      'ok',
      null,
    ],
    ['unpublished, before the first deploy', { kind: 'unpublished', message: 'm' }, true, 'FAIL', PUBLISH_FIX],
    ['unpublished, where the service exists', { kind: 'unpublished', message: 'm' }, false, 'WARN', PUBLISH_FIX],
    [
      'no registry table: the wrong stage',
      failed('ResourceNotFoundException: Requested resource not found'),
      true,
      'FAIL',
      'the template registry crossdeploy-prod-templates does not exist: set CROSSDEPLOY_STAGE to the stage you ' +
        'deployed (npx sst deploy --stage NAME), or start crossdeploy local',
    ],
    [
      'refused: another role than the doctor role',
      failed('AccessDeniedException: no'),
      true,
      'FAIL',
      "run doctor as the app's doctor role (crossdeploy-<stage>-doctor), which may read the template registry crossdeploy-prod-templates",
    ],
    [
      'throttled',
      failed('ThrottlingException: slow down', { transient: true }),
      false,
      'WARN',
      'AWS throttled the call or failed to answer (transient): run crossdeploy doctor again',
    ],
    [
      'no credentials',
      failed('CredentialsProviderError: none', { noCredentials: true }),
      true,
      'FAIL',
      'give doctor AWS credentials of the tools account (AWS_PROFILE, or aws configure / aws sso login)',
    ],
  ])('%s', (_, read, pending, result, fix) => {
    expect(verdict(templateOutcome(target(), INSTANCE, read, pending))).toEqual([result, fix]);
  });

  it('says what is published and what an unpublished version stops', () => {
    const published = templateOutcome(
      target(),
      INSTANCE,
      { kind: 'published', hash: 'ab12'.repeat(16), publishedAt: '2026-12-01T00:00:00.000Z', publishedBy: 'arn:p' },
      true,
    );
    expect(published.detail).toBe(
      'services/web v1.0 is published (sha256 ab12ab12ab12…, 2026-12-01T00:00:00.000Z by arn:p)',
    );
    const message = 'services/web v1.0 is not published (published: none)';
    expect(templateOutcome(target(), INSTANCE, { kind: 'unpublished', message }, true).detail).toBe(
      `${message}: the first deploy cannot create the service`,
    );
    expect(templateOutcome(target(), INSTANCE, { kind: 'unpublished', message }, false).detail).toBe(
      `${message}: the service exists here, but a target without it could not create it`,
    );
  });
});

describe('environmentStackOutcome', () => {
  const DEPLOY = 'crossdeploy env deploy dev';
  const DELETE = `aws cloudformation delete-stack --stack-name crossdeploy-env-dev --region eu-west-1 (in account ${DEV})`;
  const stack = (status: string, statusReason?: string): StackRead => ({
    kind: 'stack',
    status,
    ...(statusReason ? { statusReason } : {}),
  });

  it.each<[string, StackRead, boolean, Outcome['result'], string | null]>([
    ['created', stack('CREATE_COMPLETE'), true, 'ok', null],
    ['updated', stack('UPDATE_COMPLETE'), true, 'ok', null],
    ['an update rolled back: it still runs the version before', stack('UPDATE_ROLLBACK_COMPLETE'), true, 'ok', null],
    ['missing, before the first deploy', { kind: 'none' }, true, 'FAIL', `provision the environment: ${DEPLOY}`],
    ['missing, where the service exists', { kind: 'none' }, false, 'WARN', `provision the environment: ${DEPLOY}`],
    ['its creation rolled back', stack('ROLLBACK_COMPLETE'), true, 'FAIL', `delete it: ${DELETE}, then ${DEPLOY}`],
    [
      'stuck in a failed rollback of an update',
      stack('UPDATE_ROLLBACK_FAILED'),
      true,
      'FAIL',
      `continue its rollback: aws cloudformation continue-update-rollback --stack-name crossdeploy-env-dev --region eu-west-1 (in account ${DEV}), then ${DEPLOY}`,
    ],
    [
      'stuck in a failed rollback of its creation',
      stack('ROLLBACK_FAILED'),
      true,
      'FAIL',
      `delete it: ${DELETE}, then ${DEPLOY}`,
    ],
    ['being deleted', stack('DELETE_IN_PROGRESS'), true, 'FAIL', `once it is gone: ${DEPLOY}`],
    [
      'being created now',
      stack('CREATE_IN_PROGRESS'),
      true,
      'WARN',
      `wait for it to end (crossdeploy status), then run crossdeploy doctor again; if no ${DEPLOY} runs, start one`,
    ],
    [
      'a change set never executed',
      stack('REVIEW_IN_PROGRESS'),
      true,
      'WARN',
      `wait for it to end (crossdeploy status), then run crossdeploy doctor again; if no ${DEPLOY} runs, start one`,
    ],
    [
      'refused to the deploy role',
      {
        kind: 'failed',
        failure: { action: 'cloudformation:DescribeStacks', error: 'AccessDenied: no', transient: false },
      },
      true,
      'FAIL',
      `the deploy role in account ${DEV} must allow cloudformation:DescribeStacks: deploy the current target-account stack there (crossdeploy bootstrap --print)`,
    ],
  ])('%s', (_, read, pending, result, fix) => {
    expect(verdict(environmentStackOutcome(target(), INSTANCE, read, pending))).toEqual([result, fix]);
  });

  it('says the status, and why a stack whose creation rolled back is of no use', () => {
    expect(environmentStackOutcome(target(), INSTANCE, stack('CREATE_COMPLETE'), true).detail).toBe(
      `stack crossdeploy-env-dev in ${DEV}/eu-west-1 is CREATE_COMPLETE`,
    );
    expect(
      environmentStackOutcome(target(), INSTANCE, stack('ROLLBACK_COMPLETE', 'The following resource(s) failed'), true)
        .detail,
    ).toBe(
      `stack crossdeploy-env-dev in ${DEV}/eu-west-1 is ROLLBACK_COMPLETE (The following resource(s) failed): ` +
        'its creation rolled back, it has no outputs and can only be deleted',
    );
    expect(environmentStackOutcome(target(), INSTANCE, { kind: 'none' }, true).detail).toBe(
      `stack crossdeploy-env-dev in ${DEV}/eu-west-1 does not exist: the first deploy cannot create the service without its outputs`,
    );
  });

  it('is ok where the environment names no template: the instance takes no outputs', () => {
    expect(environmentStackOutcome(target(), { ...INSTANCE, environmentStack: null }, undefined, true)).toEqual({
      result: 'ok',
      detail:
        "environments.dev names no template: services/web v1.0 takes the service's inputs and what the deployment gives",
    });
  });
});
