import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseMap } from '../../core/map/load';
import { checkPipeline } from '../../core/pipeline-check';
import { pipelineInput } from '../../core/pipeline-plan';
import { type ApplicationInput, type StartedRun, startedRun } from '../../core/pipeline-types';
import { decidePush } from '../../core/push';
import { mapOf } from '../support/map';

const TEMPLATES = fileURLToPath(new URL('../fixtures/stack-templates', import.meta.url));
const commit = '0123456789abcdef0123456789abcdef01234567';

const mapWith = (orders: string) => `
orchestrator: { account: "111111111111", region: us-east-1 }
services:
  web:
    source: { github: acme/web }
    repository: web
    container: app
    cluster: demo
    service: web
    branches: { main: [dev] }
  orders:
${orders}
environments:
  dev:
    template: { name: network, version: v1.0, inputs: { ClusterName: dev-cluster } }
    targets: [{ account: "222222222222", regions: [us-east-1, eu-west-1] }]
    bake: 2m
    health: { alarms: [orders-errors], probe: "https://orders.example.com/health" }
  prod:
    approval: { topic: prod-approvals }
    waves:
      - targets: [{ account: "333333333333", regions: [us-east-1] }]
      - targets: [{ account: "444444444444", regions: [us-east-1] }, { account: "555555555555", regions: [us-east-1] }]
        maxConcurrency: 2
        failureTolerance: 1
deployRole: { name: crossdeploy-deploy, externalId: shared-secret }
templates: ${TEMPLATES}
`;

const ORDERS = `    kind: stack
    source: { codecommit: orders }
    stack: { template: infra/template.yaml, parameters: { Stage: dev, MemorySize: 256, Tracing: true } }
    test: npm test
    branches: { main: [dev, prod] }`;

const push = (source: { github: string } | { codecommit: string }, branch = 'main') => ({
  source,
  branch,
  commit,
  author: 'Mona Lisa',
  message: 'faster orders',
  changedPaths: [],
});

describe('application stacks in the map (kind: stack)', () => {
  it('keeps them apart from the ECS services, which alone have images and clusters', () => {
    const map = mapOf(mapWith(ORDERS));

    expect(Object.keys(map.services)).toEqual(['web']);
    expect(Object.keys(map.applications)).toEqual(['orders']);
    expect(map.applications.orders?.stack).toEqual({
      template: 'infra/template.yaml',
      parameters: { Stage: 'dev', MemorySize: 256, Tracing: true },
    });
  });

  it.each([
    ['an ECS setting', `${ORDERS}\n    repository: orders`, 'services.orders.repository', 'unknown key "repository"'],
    [
      'a template outside the repository',
      ORDERS.replace('infra/template.yaml', '../platform/template.yaml'),
      'services.orders.stack.template',
      'must be a path inside the repository, like infra/template.yaml',
    ],
    [
      'an absolute template path',
      ORDERS.replace('infra/template.yaml', '/infra/template.yaml'),
      'services.orders.stack.template',
      'must be a path inside the repository',
    ],
    ['no stack', ORDERS.replace(/ {4}stack: .*\n/, ''), 'services.orders.stack', 'required'],
    [
      'an unknown kind',
      ORDERS.replace('kind: stack', 'kind: lambda'),
      'services.orders.kind',
      'kind is ecs (an ECS service, the default) or stack (an application stack from its repository)',
    ],
    [
      'an environment the map does not have',
      ORDERS.replace('[dev, prod]', '[dev, staging]'),
      'services.orders.branches.main[1]',
      'unknown environment "staging"',
    ],
  ])('refuses %s, at its line', (_, orders, path, message) => {
    const parsed = parseMap(mapWith(orders));

    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toContainEqual(expect.objectContaining({ path, message: expect.stringContaining(message) }));
  });

  it("refuses a service × environment whose stack name is longer than CloudFormation's 128 characters", () => {
    const long = `orders-${'x'.repeat(110)}`;
    const parsed = parseMap(mapWith(ORDERS).replace('  orders:\n', `  ${long}:\n`));

    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toContainEqual(
      expect.objectContaining({
        path: `services.${long}.stack`,
        message: expect.stringContaining(
          `crossdeploy-app-${long}-prod, is longer than CloudFormation's 128 characters`,
        ),
      }),
    );
  });
});

describe('the stack execution role the bootstrap gives target accounts', () => {
  const bootstrap = (policies: string) => `
bootstrap:
  organizationalUnits: [ou-ab12-11111111]
  regions: [us-east-1]
  serviceNamePrefix: web
  taskRoleArnPattern: "arn:aws:iam::*:role/web-*"
  organizationId: o-a1b2c3d4e5
${policies}`;

  it('is required when the map deploys stacks: without it every stack deployment would fail', () => {
    const parsed = parseMap(mapWith(ORDERS) + bootstrap(''));

    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toEqual([
      expect.objectContaining({
        path: 'bootstrap.stackExecutionPolicyArns',
        message:
          'the map deploys stacks (environment dev names a template; orders is an application stack), but the ' +
          'bootstrap gives the target accounts no stack execution role, so every stack deployment would fail: list ' +
          'the managed policies CloudFormation may create their resources with',
      }),
    ]);
  });

  it('is given by the managed policies the bootstrap lists', () => {
    const policies = '  stackExecutionPolicyArns: ["arn:aws:iam::aws:policy/AWSLambda_FullAccess"]';

    expect(parseMap(mapWith(ORDERS) + bootstrap(policies)).ok).toBe(true);
  });
});

describe("an application stack's pipeline", () => {
  const map = mapOf(mapWith(ORDERS));
  const input = pipelineInput(map, 'orders', push({ codecommit: 'orders' })) as ApplicationInput;

  it('starts from a push to its own repository, like a service', () => {
    expect(decidePush(map, push({ codecommit: 'orders' }))).toEqual([
      { service: 'orders', start: true, environments: ['dev', 'prod'] },
    ]);
  });

  it('packages the template the map names and builds no image', () => {
    expect(input).toMatchObject({
      kind: 'deploy',
      serviceName: 'orders',
      test: 'npm test',
      package: { template: 'infra/template.yaml' },
      source: { type: 'CODECOMMIT', location: 'https://git-codecommit.us-east-1.amazonaws.com/v1/repos/orders' },
    });
    expect(input).not.toHaveProperty('repository');
  });

  it.each([
    {
      environment: 'dev',
      waves: [{ maxConcurrency: 10, failureTolerance: 0, accounts: ['222222222222', '222222222222'] }],
      environmentStack: 'crossdeploy-env-dev',
      bake: { intervalSeconds: 30, checks: 4 },
      approval: null,
    },
    {
      environment: 'prod',
      waves: [
        { maxConcurrency: 10, failureTolerance: 0, accounts: ['333333333333'] },
        { maxConcurrency: 2, failureTolerance: 1, accounts: ['444444444444', '555555555555'] },
      ],
      environmentStack: null,
      bake: { intervalSeconds: 0, checks: 0 },
      approval: { topic: 'prod-approvals', timeoutSeconds: 86_400 },
    },
  ])("deploys $environment's stacks in its waves, with its gate and bake", (expected) => {
    const stage = input.stages.find((s) => s.environment === expected.environment);
    if (!stage) throw new Error(`no stage ${expected.environment}`);

    expect(stage.approval).toEqual(expected.approval);
    expect(stage.plan.targetKind).toBe('cloudformation-stack');
    expect(
      stage.plan.waves.map((w) => ({ ...w, targets: undefined, accounts: w.targets.map((t) => t.account) })),
    ).toEqual(expected.waves.map((w) => ({ ...w, targets: undefined })));
    expect(new Set(stage.plan.waves.flatMap((w) => w.targets.map((t) => t.stackName)))).toEqual(
      new Set([`crossdeploy-app-orders-${expected.environment}`]),
    );
    expect(stage.plan.deployment).toMatchObject({
      template: { kind: 'applications', name: 'orders', version: commit },
      // CloudFormation takes parameter values as text.
      inputs: { Stage: 'dev', MemorySize: '256', Tracing: 'true' },
      environmentStack: expected.environmentStack,
      deploymentParameters: {},
      deployRole: { name: 'crossdeploy-deploy', externalId: 'shared-secret' },
      bake: expected.bake,
    });
  });

  it("carries the environment's alarms and probe as the stack's health checks", () => {
    expect(input.stages[0]?.plan.deployment.health).toEqual({
      alarms: ['orders-errors'],
      probeUrl: 'https://orders.example.com/health',
    });
  });

  it("accepts the map's own pipeline, and refuses one whose template path or gate was changed, or that brings its waves", () => {
    const tampered = (edit: (copy: StartedRun<ApplicationInput>) => void) => {
      const copy = structuredClone(startedRun(input));
      edit(copy);
      return checkPipeline(map, copy).problems;
    };

    expect(checkPipeline(map, startedRun(input)).problems).toEqual([]);
    expect(tampered((i) => (i.package.template = 'other.yaml'))).toEqual(['package is not what the map gives']);
    expect(
      tampered((i) => {
        const prod = i.stages[1];
        if (prod) prod.approval = null;
      }),
    ).toEqual(['stages is not what the map gives']);
    expect(checkPipeline(map, input).problems).toContain(
      'stages[1] brings a plan: the pipeline plans prod from the map',
    );
  });
});
