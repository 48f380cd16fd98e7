import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadMapFile } from '../../core/map/load';
import { environmentsForBranch, environmentTargets, planEnvironment, serviceTargets } from '../../core/map/plan';
import { mapOf } from '../support/map';

const example = readFileSync(fileURLToPath(new URL('../../crossdeploy.yaml', import.meta.url)), 'utf8');
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/maps/${name}`, import.meta.url));

const request = { deploymentId: 'web-main-0001', commit: '0123456789abcdef0123456789abcdef01234567' };

const target = (account: string, region: string) => ({
  account,
  region,
  cluster: 'demo',
  service: 'web',
  container: 'app',
});

describe('planEnvironment on the example map', () => {
  const map = mapOf(example);
  const common = {
    deploymentId: request.deploymentId,
    serviceName: 'web',
    commit: request.commit,
    orchestrator: { account: '111111111111', region: 'us-east-1' },
    deployRole: { name: 'crossdeploy-deploy' },
    ecr: {
      repository: 'web',
      accounts: ['222222222222', '333333333333'],
      regions: ['eu-west-1', 'us-east-1'],
      replica: { intervalSeconds: 20, checks: 90 },
    },
    taskDefinitionTemplate: null,
    health: { alarms: ['web-5xx'] },
    rollout: { intervalSeconds: 15, checks: 120 },
  };

  /** web's instance in the environment: the example's web-service template, its schema's defaults filled in. */
  const serviceInstance = (environment: string) => ({
    template: { kind: 'services', name: 'web-service', version: 'v1.0' },
    inputs: { DesiredCount: 2, Cpu: '256', Memory: '512', Port: 8080 },
    stackName: `crossdeploy-svc-web-${environment}`,
    environmentStack: `crossdeploy-env-${environment}`,
    rollout: { intervalSeconds: 15, checks: 240 },
  });

  it('plans dev as one wave over both regions, baking 1m in two 30s checks', () => {
    expect(planEnvironment(map, 'web', 'dev', request)).toStrictEqual({
      targetKind: 'ecs-service',
      deployment: {
        ...common,
        environment: 'dev',
        serviceInstance: serviceInstance('dev'),
        bake: { intervalSeconds: 30, checks: 2 },
      },
      waves: [
        {
          maxConcurrency: 10,
          failureTolerance: 0,
          targets: [target('222222222222', 'us-east-1'), target('222222222222', 'eu-west-1')],
        },
      ],
    });
  });

  it('plans prod as its one wave, baking 10m in twenty 30s checks', () => {
    expect(planEnvironment(map, 'web', 'prod', request)).toStrictEqual({
      targetKind: 'ecs-service',
      deployment: {
        ...common,
        environment: 'prod',
        serviceInstance: serviceInstance('prod'),
        bake: { intervalSeconds: 30, checks: 20 },
      },
      waves: [
        {
          maxConcurrency: 10,
          failureTolerance: 0,
          targets: [target('333333333333', 'us-east-1'), target('333333333333', 'eu-west-1')],
        },
      ],
    });
  });
});

describe('environmentTargets', () => {
  const map = mapOf(example);

  it.each([
    ['dev', [target('222222222222', 'us-east-1'), target('222222222222', 'eu-west-1')]],
    ['prod', [target('333333333333', 'us-east-1'), target('333333333333', 'eu-west-1')]],
  ])('lists the targets of %s as its plan deploys them, wave after wave', (environment, expected) => {
    expect(environmentTargets(map, 'web', environment)).toEqual(expected);
    expect(planEnvironment(map, 'web', environment, request).waves.flatMap((w) => w.targets)).toEqual(expected);
  });

  it('refuses an unknown service, as planning does', () => {
    expect(() => environmentTargets(map, 'nope', 'dev')).toThrow(/unknown service "nope"/);
  });
});

describe('serviceTargets', () => {
  const map = mapOf(example);

  it("lists every environment's targets in map order, each as its environment's plan deploys it", () => {
    const targets = serviceTargets(map, 'web');

    expect(targets.map(({ environment, target }) => [environment, target])).toEqual([
      ...environmentTargets(map, 'web', 'dev').map((target) => ['dev', target]),
      ...environmentTargets(map, 'web', 'prod').map((target) => ['prod', target]),
    ]);
    expect(targets.every(({ entry, target }) => entry.account === target.account)).toBe(true);
  });

  it('refuses an unknown service, as planning does', () => {
    expect(() => serviceTargets(map, 'nope')).toThrow(/unknown service "nope"/);
  });
});

describe('check loops', () => {
  it.each([
    ['0s', { intervalSeconds: 0, checks: 0 }],
    ['20s', { intervalSeconds: 20, checks: 1 }],
    ['1m', { intervalSeconds: 30, checks: 2 }],
    ['95s', { intervalSeconds: 30, checks: 4 }],
    ['10m', { intervalSeconds: 30, checks: 20 }],
  ])('bakes %s as %o', (bake, loop) => {
    const map = mapOf(example.replace('bake: 1m', `bake: ${bake}`));
    expect(planEnvironment(map, 'web', 'dev', request).deployment.bake).toEqual(loop);
  });

  it.each([
    ['30m', 120],
    ['10m', 40],
    ['1m1s', 5],
  ])('waits up to %s for a rollout in %i checks 15s apart', (timeout, checks) => {
    const map = mapOf(example.replace('bake: 1m', `bake: 1m\n    rollout: { timeout: ${timeout} }`));
    expect(planEnvironment(map, 'web', 'dev', request).deployment.rollout).toEqual({ intervalSeconds: 15, checks });
  });
});

describe('planEnvironment with every setting in use', () => {
  const map = loadMapFile(fixture('valid.yaml'));
  const plan = planEnvironment(map, 'api', 'prod', request);

  it('expands waves in order, applying per-target cluster and service overrides', () => {
    const where = (w: number) =>
      plan.waves[w]?.targets.map((t) => `${t.account}/${t.region}/${t.cluster}/${t.service}/${t.container}`);
    expect(plan.waves.map((w) => [w.maxConcurrency, w.failureTolerance])).toEqual([
      [1, 0],
      [50, 1],
    ]);
    expect(where(0)).toEqual(['333333333333/us-east-1/backend/api/api']);
    expect(where(1)).toEqual([
      '333333333333/eu-west-1/backend/api/api',
      '333333333333/ap-southeast-2/backend/api/api',
      '444444444444/us-east-1/legacy/api-v2/api',
    ]);
  });

  it('carries the role, ECR access, health checks and template', () => {
    expect(plan.deployment.deployRole).toEqual({ name: 'crossdeploy-deploy', externalId: 'acme-crossdeploy' });
    expect(plan.deployment.ecr).toEqual({
      repository: 'acme/api',
      principalOrgId: 'o-a1b2c3d4e5',
      // The organization grant names no account: the plan stays small however many accounts pull.
      accounts: [],
      regions: ['ap-southeast-2', 'eu-west-1', 'us-east-1'],
      replica: { intervalSeconds: 20, checks: 90 },
    });
    expect(plan.deployment.health).toEqual({
      alarms: ['api-5xx', 'api-latency'],
      probeUrl: 'https://api.example.com/health',
    });
    expect(plan.deployment.bake).toEqual({ intervalSeconds: 30, checks: 3 });
    expect(plan.deployment.taskDefinitionTemplate).toMatchObject({
      family: 'api',
      containerDefinitions: [{ name: 'api' }],
    });
  });

  it('is plain JSON, so it survives a Step Functions execution input unchanged', () => {
    expect(JSON.parse(JSON.stringify(plan))).toStrictEqual(plan);
  });
});

describe('planEnvironment for a service the map gives a template', () => {
  /** The example map, its service web made from web-service v1.2, and the environments that name `templated` made from network. */
  function templated(...environments: string[]) {
    const map = mapOf(example);
    const web = map.services.web;
    if (!web) throw new Error('example map without web');
    web.template = { name: 'web-service', version: 'v1.2', inputs: { DesiredCount: 3, Ports: [80, 443] } };
    for (const [name, env] of Object.entries(map.environments)) {
      if (environments.includes(name))
        env.template = { name: 'network', version: 'v2.0', inputs: { ClusterName: 'demo' } };
      else delete env.template;
    }
    return map;
  }

  it.each([
    ['dev', 'from a template', ['dev'], 'crossdeploy-env-dev'],
    ['prod', 'from a template', ['dev', 'prod'], 'crossdeploy-env-prod'],
    ['prod', 'provisioned by other means', ['dev'], null],
  ])(
    'plans the instance stack of web in %s, an environment %s, from the version and inputs the map names',
    (environment, _, withTemplates, environmentStack) => {
      const plan = planEnvironment(templated(...withTemplates), 'web', environment, request);

      expect(plan.deployment.serviceInstance).toStrictEqual({
        template: { kind: 'services', name: 'web-service', version: 'v1.2' },
        inputs: { DesiredCount: 3, Ports: [80, 443] },
        stackName: `crossdeploy-svc-web-${environment}`,
        environmentStack,
        rollout: { intervalSeconds: 15, checks: 240 },
      });
    },
  );

  it("copies the inputs: a plan never shares the map's objects", () => {
    const map = templated('dev');
    const plan = planEnvironment(map, 'web', 'dev', request);

    const ports = plan.deployment.serviceInstance?.inputs.Ports;
    if (!Array.isArray(ports)) throw new Error('plan without the inputs');
    ports.push(8080);

    expect(map.services.web?.template?.inputs.Ports).toEqual([80, 443]);
  });

  it('plans no instance for a service without a template', () => {
    const map = templated('dev');
    delete map.services.web?.template;

    expect(planEnvironment(map, 'web', 'dev', request).deployment.serviceInstance).toBeNull();
  });
});

describe('environmentsForBranch', () => {
  const map = mapOf(example);

  it.each([
    ['main', ['dev']],
    ['production', ['prod']],
    ['feature/login', []],
  ])('deploys %s to %j', (branch, environments) => {
    expect(environmentsForBranch(map, 'web', branch)).toEqual(environments);
  });

  it('keeps the order the map gives', () => {
    expect(environmentsForBranch(loadMapFile(fixture('valid.yaml')), 'api', 'main')).toEqual(['staging', 'prod']);
  });
});

describe('planning what the map does not describe', () => {
  const map = mapOf(
    example.replace(
      'environments:\n',
      'environments:\n  qa:\n    targets: [{ account: "444444444444", regions: [us-east-1] }]\n',
    ),
  );

  it('names the services the map has when the service is unknown', () => {
    expect(() => planEnvironment(map, 'api', 'dev', request)).toThrow(
      'unknown service "api" (services in the map: web)',
    );
    expect(() => environmentsForBranch(map, 'api', 'main')).toThrow(/unknown service "api"/);
  });

  it('names the environments the map has when the environment is unknown', () => {
    expect(() => planEnvironment(map, 'web', 'staging', request)).toThrow(
      'unknown environment "staging" (environments in the map: qa, dev, prod)',
    );
  });

  it('refuses an environment the service never deploys to', () => {
    expect(() => planEnvironment(map, 'web', 'qa', request)).toThrow(
      'service "web" does not deploy to environment "qa" (its branches deploy to: dev, prod)',
    );
  });
});
