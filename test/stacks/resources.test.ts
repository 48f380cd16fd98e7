// The orchestrator's resources as the SST app declares them (names, tables, build), checked without Pulumi.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { applicationTemplateKey } from '../../aws/artifacts';
import {
  approvalsTable,
  deliveriesTable,
  idempotencyTable,
  leasesTable,
  ledgerTable,
  templatesTable,
  waitsTable,
} from '../../aws/tables';
import { parseMap } from '../../core/map/load';
import { applicationInput, pipelineInput } from '../../core/pipeline-plan';
import {
  APPLICATIONS_PREFIX,
  BUILD_VARIABLES,
  BUILDSPEC,
  buildEnvironmentOf,
  buildLogGroupName,
  IMAGES_KEPT,
  PACKAGE_BUILDSPEC,
  PACKAGE_VARIABLES,
  packageEnvironment,
  registryHost,
} from '../../stacks/images';
import { loadStackMap } from '../../stacks/map';
import { mapBundle, mapFilePath, mapProblems, orchestratorNames, resourceIds } from '../../stacks/names';
import { buildPolicy, buildTrustPolicy, ECR_PUSH_ACTIONS } from '../../stacks/policies';
import { STEP_FUNCTIONS } from '../../stacks/steps';
import { BUILD_SPEC_VARIABLE, BUILDSPECS, PACKAGE_SPEC_VARIABLE } from '../../stacks/substitutions';
import { dynamoTableArgs, TABLES } from '../../stacks/tables';
import { root } from './code';

const where = { partition: 'aws', account: '111111111111', region: 'us-east-1' };
const example = loadStackMap(root, {});
const names = orchestratorNames('crossdeploy', 'test', example.map);

function mapWith(extra: string) {
  const result = parseMap(
    `
orchestrator: { account: "111111111111", region: us-east-1 }
services:
  web: { source: { github: acme/web }, repository: shop/web, container: app, cluster: c, service: web, branches: { main: [dev, prod] } }
  api: { source: { github: acme/api }, repository: shop/web, container: app, cluster: c, service: api, branches: { main: [dev] } }
  jobs: { source: { codecommit: jobs }, repository: jobs, container: app, cluster: c, service: jobs, branches: { main: [prod] } }
environments:
  dev: { targets: [{ account: "222222222222", regions: [us-east-1] }], approval: { topic: dev-approvals } }
  prod: { targets: [{ account: "333333333333", regions: [us-east-1] }], approval: { topic: release-approvals } }
  qa: { targets: [{ account: "444444444444", regions: [us-east-1] }], approval: { topic: release-approvals } }
${extra}`,
    { readFile: () => JSON.stringify({ containerDefinitions: [{ name: 'app' }] }) },
  );
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.map;
}

const CONNECTION = 'arn:aws:codeconnections:us-east-1:111111111111:connection/0c1d2e3f-4a5b';

/** An ECS service beside two application stacks, one from CodeCommit and one from GitHub through a connection. */
function applicationsMap() {
  const result = parseMap(
    `
orchestrator: { account: "111111111111", region: us-east-1 }
services:
  web: { source: { github: acme/web }, repository: web, container: app, cluster: c, service: web, branches: { main: [dev] } }
  orders: { kind: stack, source: { codecommit: orders-repo }, stack: { template: infra/template.yaml }, test: npm test, branches: { main: [dev] } }
  lambdas: { kind: stack, source: { github: acme/lambdas, connection: "${CONNECTION}" }, stack: { template: template.yaml }, branches: { main: [dev] } }
environments:
  dev: { targets: [{ account: "222222222222", regions: [us-east-1] }] }
deployRole: crossdeploy-deploy
`,
    { readFile: () => '{}' },
  );
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.map;
}
const applications = applicationsMap();

describe('resource names', () => {
  it('names the stage resources after app and stage, and the map resources as the map does', () => {
    expect(names).toEqual({
      deliveriesTable: 'crossdeploy-test-deliveries',
      approvalsTable: 'crossdeploy-test-approvals',
      leasesTable: 'crossdeploy-test-leases',
      ledgerTable: 'crossdeploy-test-ledger',
      templatesTable: 'crossdeploy-test-templates',
      waitsTable: 'crossdeploy-test-waits',
      idempotencyTable: 'crossdeploy-test-idempotency',
      artifactsBucket: 'crossdeploy-test-artifacts-111111111111',
      notificationsTopic: 'crossdeploy-test-notifications',
      eventBus: 'crossdeploy-test',
      pipeline: 'crossdeploy-test-pipeline',
      buildProjectPrefix: 'crossdeploy-test-build-',
      builds: [
        {
          kind: 'package',
          service: 'orders',
          project: 'crossdeploy-test-build-orders',
          role: 'crossdeploy-test-build-orders',
          bucket: 'crossdeploy-test-artifacts-111111111111',
        },
        {
          kind: 'image',
          service: 'web',
          project: 'crossdeploy-test-build-web',
          role: 'crossdeploy-test-build-web',
          repository: 'web',
          platforms: ['linux/amd64', 'linux/arm64'],
        },
      ],
      deployEnvironment: 'crossdeploy-test-deploy-environment',
      deployTarget: 'crossdeploy-test-deploy-target',
      deployStack: 'crossdeploy-test-deploy-stack',
      repositories: ['web'],
      repositoryRegions: { web: ['eu-west-1', 'us-east-1'] },
      approvalTopics: ['prod-approvals'],
      secretParameters: {
        githubWebhookSecret: 'crossdeploy-test-github-webhook-secret',
        linkSigningKey: 'crossdeploy-test-link-signing-key',
        chatWebhookUrl: 'crossdeploy-test-chat-webhook-url',
      },
    });
  });

  it('creates each repository and approval topic once, however many services and environments share it', () => {
    const map = mapWith('deployRole: crossdeploy-deploy');
    const { repositories, approvalTopics } = orchestratorNames('crossdeploy', 'dev', map);
    expect(repositories).toEqual(['jobs', 'shop/web']);
    expect(approvalTopics).toEqual(['dev-approvals', 'release-approvals']);
  });

  it('gives every service its own build project and role, which name its repository and source', () => {
    const map = mapWith('deployRole: crossdeploy-deploy');
    expect(orchestratorNames('crossdeploy', 'dev', map).builds).toEqual([
      expect.objectContaining({
        kind: 'image',
        service: 'api',
        project: 'crossdeploy-dev-build-api',
        repository: 'shop/web',
      }),
      expect.objectContaining({
        kind: 'image',
        service: 'jobs',
        project: 'crossdeploy-dev-build-jobs',
        repository: 'jobs',
        codecommitRepository: 'jobs',
      }),
      expect.objectContaining({
        kind: 'image',
        service: 'web',
        project: 'crossdeploy-dev-build-web',
        repository: 'shop/web',
      }),
    ]);
    for (const build of orchestratorNames('crossdeploy', 'dev', map).builds.filter((b) => b.service !== 'jobs')) {
      expect(build, build.service).not.toHaveProperty('codecommitRepository');
    }
  });

  it('gives every application stack a packaging build of its own, found by the same project prefix, which names its source and the artifacts bucket', () => {
    const names = orchestratorNames('crossdeploy', 'dev', applications);
    expect(names.builds).toEqual([
      {
        kind: 'package',
        service: 'lambdas',
        project: 'crossdeploy-dev-build-lambdas',
        role: 'crossdeploy-dev-build-lambdas',
        connection: CONNECTION,
        bucket: 'crossdeploy-dev-artifacts-111111111111',
      },
      {
        kind: 'package',
        service: 'orders',
        project: 'crossdeploy-dev-build-orders',
        role: 'crossdeploy-dev-build-orders',
        codecommitRepository: 'orders-repo',
        bucket: 'crossdeploy-dev-artifacts-111111111111',
      },
      expect.objectContaining({ kind: 'image', service: 'web', project: 'crossdeploy-dev-build-web' }),
    ]);
    for (const build of names.builds) expect(build.project).toBe(`${names.buildProjectPrefix}${build.service}`);
    expect(names.artifactsBucket).toBe('crossdeploy-dev-artifacts-111111111111');
    // An application stack has no image: it adds no repository.
    expect(names.repositories).toEqual(['web']);
  });

  it('gives each repository and topic its own Pulumi name, and refuses two that would collide', () => {
    expect([...resourceIds(['shop/web', 'jobs', 'prod-approvals'])]).toEqual([
      ['shop/web', 'ShopWeb'],
      ['jobs', 'Jobs'],
      ['prod-approvals', 'ProdApprovals'],
    ]);
    expect(() => resourceIds(['prod-approvals', 'prod_approvals'])).toThrow('would both be named ProdApprovals');
  });
});

describe('the deployment map at deploy time', () => {
  it('loads crossdeploy.yaml from the app root, and bundles it with the schemas of the templates it names', () => {
    expect(example.file).toBe('crossdeploy.yaml');
    expect(example.bundle).toEqual([
      'crossdeploy.yaml',
      'templates/environments/ecs-environment/v1.0/schema.json',
      'templates/services/web-service/v1.0/schema.json',
    ]);
    expect(Object.keys(example.map.services)).toEqual(['web']);
  });

  it('takes CROSSDEPLOY_MAP_FILE, inside the app only', () => {
    expect(mapFilePath({})).toBe('crossdeploy.yaml');
    expect(mapFilePath({ CROSSDEPLOY_MAP_FILE: 'deploy/./map.yaml' })).toBe('deploy/map.yaml');
    expect(() => mapFilePath({ CROSSDEPLOY_MAP_FILE: '/etc/map.yaml' })).toThrow('must be a path inside the app');
    expect(() => mapFilePath({ CROSSDEPLOY_MAP_FILE: '../map.yaml' })).toThrow('must be a path inside the app');
  });

  it('bundles the task definition templates with the map, at the paths the map resolves them to', () => {
    const services = {
      web: { taskDefinition: 'task-definitions/web.json' },
      api: { taskDefinition: '../shared/api.json' },
      jobs: {},
    };
    expect(mapBundle('deploy/map.yaml', { services, environments: {}, templates: 'templates' } as never)).toEqual([
      'deploy/map.yaml',
      'deploy/task-definitions/web.json',
      'shared/api.json',
    ]);
    expect(() => mapBundle('map.yaml', { services, environments: {}, templates: 'templates' } as never)).toThrow(
      'services.api.taskDefinition',
    );
  });

  it("bundles the schema of every template version the map names, which loading the map reads the inputs' defaults from", () => {
    const map = {
      services: {
        web: { template: { name: 'web-service', version: 'v1.2', inputs: {} } },
        api: { template: { name: 'web-service', version: 'v1.2', inputs: {} } },
        jobs: {},
      },
      environments: { dev: { template: { name: 'network', version: 'v2.0', inputs: {} } }, prod: {} },
      templates: '../platform/templates',
    };
    expect(mapBundle('deploy/map.yaml', map as never)).toEqual([
      'deploy/map.yaml',
      'platform/templates/environments/network/v2.0/schema.json',
      'platform/templates/services/web-service/v1.2/schema.json',
    ]);
    expect(() => mapBundle('map.yaml', map as never)).toThrow('environments.dev.template');
  });

  it("refuses a map whose orchestrator or deploy role is not the stage's", () => {
    const stack = { account: '111111111111', region: 'us-east-1', deployRole: 'crossdeploy-deploy' };
    expect(mapProblems(example.map, stack, 'crossdeploy.yaml')).toEqual([]);
    expect(mapProblems(example.map, { ...stack, region: 'eu-west-1', deployRole: 'acme' }, 'm.yaml')).toEqual([
      'm.yaml: orchestrator is 111111111111/us-east-1, but this stage deploys to 111111111111/eu-west-1',
      'm.yaml: deployRole is crossdeploy-deploy, but the functions may only assume acme ' +
        '(set CROSSDEPLOY_DEPLOY_ROLE to the same name)',
    ]);
  });
});

describe('DynamoDB tables', () => {
  it('declares the keys and the index of aws/tables.ts, on demand', () => {
    const args = Object.fromEntries(
      TABLES.map((spec) => [
        spec.id,
        dynamoTableArgs(spec.define(spec.name(names)), 'ttl' in spec ? spec.ttl : undefined),
      ]),
    );
    expect(args).toEqual({
      Deliveries: {
        name: 'crossdeploy-test-deliveries',
        billingMode: 'PAY_PER_REQUEST',
        hashKey: 'deliveryId',
        attributes: [{ name: 'deliveryId', type: 'S' }],
        ttl: { attributeName: 'expiresAt', enabled: true },
      },
      Approvals: {
        name: 'crossdeploy-test-approvals',
        billingMode: 'PAY_PER_REQUEST',
        hashKey: 'approvalId',
        attributes: [
          { name: 'approvalId', type: 'S' },
          { name: 'serviceEnvironment', type: 'S' },
        ],
        globalSecondaryIndexes: [
          {
            name: 'byServiceEnvironment',
            keySchemas: [{ attributeName: 'serviceEnvironment', keyType: 'HASH' }],
            projectionType: 'ALL',
          },
        ],
        ttl: { attributeName: 'expiresAt', enabled: true },
      },
      Leases: {
        name: 'crossdeploy-test-leases',
        billingMode: 'PAY_PER_REQUEST',
        hashKey: 'lease',
        attributes: [{ name: 'lease', type: 'S' }],
      },
      // Kept forever: no TTL.
      Ledger: {
        name: 'crossdeploy-test-ledger',
        billingMode: 'PAY_PER_REQUEST',
        hashKey: 'target',
        rangeKey: 'deploymentId',
        attributes: [
          { name: 'target', type: 'S' },
          { name: 'deploymentId', type: 'S' },
          { name: 'startedAt', type: 'S' },
        ],
        localSecondaryIndexes: [{ name: 'byStartedAt', rangeKey: 'startedAt', projectionType: 'ALL' }],
      },
      // Kept forever too: a published version never changes or expires.
      Templates: {
        name: 'crossdeploy-test-templates',
        billingMode: 'PAY_PER_REQUEST',
        hashKey: 'template',
        rangeKey: 'version',
        attributes: [
          { name: 'template', type: 'S' },
          { name: 'version', type: 'S' },
        ],
      },
      Waits: {
        name: 'crossdeploy-test-waits',
        billingMode: 'PAY_PER_REQUEST',
        hashKey: 'subject',
        rangeKey: 'waitId',
        attributes: [
          { name: 'subject', type: 'S' },
          { name: 'waitId', type: 'S' },
        ],
        ttl: { attributeName: 'expiresAt', enabled: true },
      },
      Idempotency: {
        name: 'crossdeploy-test-idempotency',
        billingMode: 'PAY_PER_REQUEST',
        hashKey: 'id',
        attributes: [{ name: 'id', type: 'S' }],
        ttl: { attributeName: 'expiration', enabled: true },
      },
    });
    // The index request-approval queries through aws/approvals.ts (and its grant names, stacks/steps.ts) is the
    // one the table has.
    const index = args.Approvals?.globalSecondaryIndexes?.[0]?.name;
    expect(readFileSync(join(root, 'aws/approvals.ts'), 'utf8')).toContain(`'${index}'`);
    const grants = STEP_FUNCTIONS.find((spec) => spec.id === 'RequestApproval')?.grants ?? [];
    const scope = { ...where, deployRole: 'r', names };
    expect(grants.flatMap((grant) => grant.resources(scope))).toContain(
      `arn:aws:dynamodb:us-east-1:111111111111:table/crossdeploy-test-approvals/index/${index}`,
    );
  });

  it('uses the definitions the local runtime creates its tables from', () => {
    expect(TABLES.map((spec) => spec.define)).toEqual([
      deliveriesTable,
      approvalsTable,
      waitsTable,
      leasesTable,
      ledgerTable,
      templatesTable,
      idempotencyTable,
    ]);
  });

  it('retains the ledger and the template registry, and only those, whatever the stage', () => {
    expect(TABLES.filter((spec) => 'retained' in spec && spec.retained).map((spec) => spec.id)).toEqual([
      'Ledger',
      'Templates',
    ]);
    // Nothing an audit record holds expires.
    for (const id of ['Ledger', 'Templates']) {
      const spec = TABLES.find((s) => s.id === id);
      expect(spec && 'ttl' in spec, id).toBe(false);
    }
  });

  it('expires idempotency records on the attribute Powertools writes, and keys them as Powertools does', async () => {
    const { DynamoDBPersistenceLayer } = await import('@aws-lambda-powertools/idempotency/dynamodb');
    const layer = new DynamoDBPersistenceLayer({ tableName: 't' }) as unknown as Record<string, unknown>;
    expect(layer.keyAttr).toBe('id');
    expect(layer.expiryAttr).toBe('expiration');
    const spec = TABLES.find((s) => s.id === 'Idempotency');
    expect(spec && 'ttl' in spec ? spec.ttl : undefined).toBe(layer.expiryAttr);
    expect(idempotencyTable('t').KeySchema).toEqual([{ AttributeName: layer.keyAttr, KeyType: 'HASH' }]);
  });

  it('refuses a definition it cannot carry over', () => {
    expect(() => dynamoTableArgs({ ...leasesTable('t'), BillingMode: 'PROVISIONED' })).toThrow('on-demand');
    // A local index shares the table's hash key; Pulumi takes only its range key.
    expect(() =>
      dynamoTableArgs({
        ...ledgerTable('t'),
        LocalSecondaryIndexes: [
          {
            IndexName: 'i',
            KeySchema: [
              { AttributeName: 'pipelineId', KeyType: 'HASH' },
              { AttributeName: 'startedAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    ).toThrow("local secondary index i must use the table's hash key target");
    expect(() =>
      dynamoTableArgs({
        ...ledgerTable('t'),
        LocalSecondaryIndexes: [{ IndexName: 'i', KeySchema: [], Projection: {} }],
      }),
    ).toThrow('local secondary index i is incomplete');
  });
});

describe('image build', () => {
  const asl = JSON.parse(readFileSync(join(root, 'state-machines/pipeline.asl.json'), 'utf8')) as {
    States: Record<string, { Parameters?: { EnvironmentVariablesOverride?: { Name: string; 'Value.$': string }[] } }>;
  };
  const overrides = asl.States['Build image once']?.Parameters?.EnvironmentVariablesOverride ?? [];

  it("builds on the CPU of the service's platforms, privileged (docker), and keeps the last 50 other images of each repository", () => {
    expect(buildEnvironmentOf(['linux/amd64'])).toEqual({
      type: 'LINUX_CONTAINER',
      computeType: 'BUILD_GENERAL1_SMALL',
      image: 'aws/codebuild/amazonlinux-x86_64-standard:5.0',
      privilegedMode: true,
    });
    expect(buildEnvironmentOf(['linux/arm64'])).toMatchObject({
      type: 'ARM_CONTAINER',
      image: 'aws/codebuild/amazonlinux-aarch64-standard:3.0',
    });
    expect(IMAGES_KEPT).toBe(50);
  });

  it('uses every variable the pipeline passes, and each is a string in every pipeline input (never null)', () => {
    expect(overrides.map((o) => o.Name).sort()).toEqual(
      [
        BUILD_VARIABLES.service,
        BUILD_VARIABLES.repository,
        BUILD_VARIABLES.commit,
        BUILD_VARIABLES.test,
        BUILD_VARIABLES.platforms,
        BUILD_VARIABLES.emulate,
      ].sort(),
    );
    for (const { Name } of overrides) expect(BUILDSPEC).toContain(`$${Name}`);
    expect(BUILDSPEC).toContain(`$${BUILD_VARIABLES.registry}`);

    const commit = '0123456789abcdef0123456789abcdef01234567';
    const push = { source: { github: 'acme/web' }, commit, author: 'a', message: 'm', changedPaths: [] };
    for (const branch of ['main', 'production']) {
      const input = pipelineInput(example.map, 'web', { ...push, branch }) as unknown as Record<string, unknown>;
      for (const { Name, 'Value.$': path } of overrides) {
        const value = path
          .replace(/^\$\./, '')
          .split('.')
          .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], input);
        expect(typeof value, `${Name} <- ${path}`).toBe('string');
      }
    }
  });

  it("checks out the service's repository: its source type and location from the pipeline input", () => {
    const build = asl.States['Build image once']?.Parameters as Record<string, unknown>;
    expect(build['SourceTypeOverride.$']).toBe('$.source.type');
    expect(build['SourceLocationOverride.$']).toBe('$.source.location');
    expect(build['SourceVersion.$']).toBe('$.commit');
    // CodeBuild would otherwise look for buildspec.yml in the checked-out repository.
    expect(build.BuildspecOverride).toBe(`\${${BUILD_SPEC_VARIABLE}}`);
    const commit = '0123456789abcdef0123456789abcdef01234567';
    const push = { source: { github: 'acme/web' }, commit, author: 'a', message: 'm', changedPaths: [] };
    expect(pipelineInput(example.map, 'web', { ...push, branch: 'main' }).source).toEqual({
      type: 'GITHUB',
      location: 'https://github.com/acme/web.git',
    });
    const map = mapWith('deployRole: crossdeploy-deploy');
    expect(pipelineInput(map, 'jobs', { ...push, source: { codecommit: 'jobs' }, branch: 'main' }).source).toEqual({
      type: 'CODECOMMIT',
      location: 'https://git-codecommit.us-east-1.amazonaws.com/v1/repos/jobs',
    });
  });

  it('is a buildspec 0.2 that stops at the first failing command', () => {
    const spec = parse(BUILDSPEC) as {
      version: number;
      phases: Record<string, { 'on-failure'?: string; commands: unknown[] }>;
    };
    expect(spec.version).toBe(0.2);
    expect(Object.keys(spec.phases)).toEqual(['build']);
    expect(spec.phases.build?.['on-failure']).toBe('ABORT');
    // A `: ` in an unquoted command would make YAML read a mapping, not a command.
    for (const command of spec.phases.build?.commands ?? []) expect(typeof command).toBe('string');
  });

  describe('its commands, with aws and docker stubbed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crossdeploy-buildspec-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const log = join(dir, 'calls.log');
    // The checked-out repository, with its Dockerfile at the root.
    const source = join(dir, 'src');
    mkdirSync(source);
    writeFileSync(join(source, 'Dockerfile'), 'FROM scratch\n');
    // `aws ecr get-login-password` prints a password; `docker login` reads all of it (so it logs after aws did).
    const stubs = {
      aws: `echo "aws $*" >> "${log}"\n[ "$1 $2" != "ecr get-login-password" ] || echo pw`,
      docker: `if [ "$1" = login ]; then echo "docker $* <<< $(cat)" >> "${log}"; else echo "docker $*" >> "${log}"; fi`,
    };
    for (const [tool, body] of Object.entries(stubs)) {
      writeFileSync(join(dir, tool), `#!/usr/bin/env bash\n${body}\n`);
      chmodSync(join(dir, tool), 0o755);
    }
    // Each command as CodeBuild runs them: one shell, stop at the first that fails.
    const commands = (parse(BUILDSPEC) as { phases: { build: { commands: string[] } } }).phases.build.commands;
    const script = commands.map((command) => `{\n${command}\n} || exit $?`).join('\n');

    const run = (test: string, sourceDir = source, platforms = 'linux/amd64', emulate = '') => {
      writeFileSync(log, '');
      // stdin not a socket: Debian's bash would take a socket for a remote shell and read ~/.bashrc.
      const result = spawnSync('bash', ['-c', script], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: `${dir}:${process.env.PATH}`,
          AWS_REGION: 'us-east-1',
          CROSSDEPLOY_REGISTRY: registryHost('111111111111', 'us-east-1'),
          CROSSDEPLOY_SERVICE: 'web',
          CROSSDEPLOY_REPOSITORY: 'web',
          CROSSDEPLOY_COMMIT: 'abc123',
          CROSSDEPLOY_TEST_COMMAND: test,
          CROSSDEPLOY_PLATFORMS: platforms,
          CROSSDEPLOY_EMULATE: emulate,
          MARK: join(dir, 'tested'),
          CODEBUILD_SRC_DIR: sourceDir,
        },
      });
      if (result.status === 127 || result.error) throw new Error(`${result.error ?? ''}${result.stderr}`);
      return { status: result.status, calls: readFileSync(log, 'utf8').trim().split('\n'), stdout: result.stdout };
    };
    const image = '111111111111.dkr.ecr.us-east-1.amazonaws.com/web:abc123';

    it('logs in, builds for the platforms and pushes <repository>:<commit> as an image index, without a test command', () => {
      const { status, calls, stdout } = run('');
      expect(status).toBe(0);
      expect(calls).toEqual([
        'aws ecr get-login-password --region us-east-1',
        'docker login --username AWS --password-stdin 111111111111.dkr.ecr.us-east-1.amazonaws.com <<< pw',
        'docker buildx create --name crossdeploy --driver docker-container --use',
        `docker buildx build --platform linux/amd64 --provenance=false --sbom=false --file ${source}/Dockerfile --tag ${image} --push ${source}`,
        `docker buildx imagetools create --tag ${image} ${image}`,
        `docker buildx imagetools inspect ${image}`,
      ]);
      expect(stdout).toContain('the map names no test command');
    });

    it('registers QEMU for the architectures the host does not run before a multi-platform build', () => {
      const { status, calls } = run('', source, 'linux/amd64,linux/arm64', 'arm64');
      expect(status).toBe(0);
      expect(calls.slice(2, 5)).toEqual([
        'docker run --privileged --rm tonistiigi/binfmt --install arm64',
        'docker buildx create --name crossdeploy --driver docker-container --use',
        `docker buildx build --platform linux/amd64,linux/arm64 --provenance=false --sbom=false --file ${source}/Dockerfile --tag ${image} --push ${source}`,
      ]);
    });

    it('runs the test command before the build', () => {
      const { status, calls, stdout } = run('echo tested "$CROSSDEPLOY_COMMIT" in "$PWD" && touch "$MARK"');
      expect(status).toBe(0);
      expect(stdout).toContain(`tested abc123 in ${source}`);
      expect(existsSync(join(dir, 'tested'))).toBe(true);
      expect(calls.at(-1)).toBe(`docker buildx imagetools inspect ${image}`);
    });

    it('builds nothing without a Dockerfile at the root of the checked-out repository', () => {
      const empty = join(dir, 'empty');
      mkdirSync(empty);
      const { status, calls } = run('', empty);
      expect(status).toBe(1);
      expect(calls.some((call) => call.startsWith('docker buildx'))).toBe(false);
    });

    it('pushes nothing when the test fails', () => {
      const { status, calls } = run('exit 3');
      expect(status).toBe(3);
      expect(calls.some((call) => call.startsWith('docker buildx'))).toBe(false);
    });
  });
});

describe("an application stack's packaging build", () => {
  const asl = JSON.parse(readFileSync(join(root, 'state-machines/pipeline.asl.json'), 'utf8')) as {
    States: Record<string, { Parameters?: Record<string, unknown> }>;
  };
  const parameters = asl.States['Package application stack once']?.Parameters ?? {};
  const overrides = (parameters.EnvironmentVariablesOverride ?? []) as { Name: string; 'Value.$': string }[];
  const commit = '0123456789abcdef0123456789abcdef01234567';
  const push = { source: { codecommit: 'orders-repo' }, commit, author: 'a', message: 'm', changedPaths: [] };
  const input = applicationInput(applications, 'orders', { ...push, branch: 'main' });
  const packageBuild = (service: string) => {
    const build = orchestratorNames('crossdeploy', 'dev', applications).builds.find((b) => b.service === service);
    if (build?.kind !== 'package') throw new Error(`${service} has no packaging build`);
    return build;
  };
  const orders = packageBuild('orders');

  it('runs on the environment the pipeline passes, unprivileged: it builds no image', () => {
    expect(packageEnvironment()).toEqual({
      type: input.build.environmentType,
      computeType: 'BUILD_GENERAL1_SMALL',
      image: input.build.image,
      privilegedMode: false,
    });
  });

  it('is passed its own buildspec again, which uses every variable the pipeline passes, each a string in the input', () => {
    expect(parameters.BuildspecOverride).toBe(`\${${PACKAGE_SPEC_VARIABLE}}`);
    expect(BUILDSPECS[PACKAGE_SPEC_VARIABLE]).toBe(PACKAGE_BUILDSPEC);
    expect(overrides.map((o) => o.Name).sort()).toEqual(
      [BUILD_VARIABLES.service, BUILD_VARIABLES.commit, BUILD_VARIABLES.test, PACKAGE_VARIABLES.template].sort(),
    );
    for (const { Name } of overrides) expect(PACKAGE_BUILDSPEC).toContain(`$${Name}`);
    // The bucket is the project's own variable, not the pipeline's.
    expect(PACKAGE_BUILDSPEC).toContain(`$${PACKAGE_VARIABLES.artifacts}`);
    for (const { Name, 'Value.$': path } of overrides) {
      const value = path
        .replace(/^\$\./, '')
        .split('.')
        .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], input);
      expect(typeof value, `${Name} <- ${path}`).toBe('string');
    }
  });

  it('is a buildspec 0.2 that stops at the first failing command', () => {
    const spec = parse(PACKAGE_BUILDSPEC) as {
      version: number;
      phases: Record<string, { 'on-failure'?: string; commands: unknown[] }>;
    };
    expect(spec.version).toBe(0.2);
    expect(Object.keys(spec.phases)).toEqual(['build']);
    expect(spec.phases.build?.['on-failure']).toBe('ABORT');
    // A `: ` in an unquoted command would make YAML read a mapping, not a command.
    for (const command of spec.phases.build?.commands ?? []) expect(typeof command).toBe('string');
  });

  describe('its commands, with aws stubbed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crossdeploy-packagespec-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const log = join(dir, 'calls.log');
    const source = join(dir, 'src');
    mkdirSync(join(source, 'infra'), { recursive: true });
    writeFileSync(join(source, 'infra/template.yaml'), 'Resources: {}\n');
    writeFileSync(join(dir, 'aws'), `#!/usr/bin/env bash\necho "aws $*" >> "${log}"\n`);
    chmodSync(join(dir, 'aws'), 0o755);
    const commands = (parse(PACKAGE_BUILDSPEC) as { phases: { build: { commands: string[] } } }).phases.build.commands;
    const script = commands.map((command) => `{\n${command}\n} || exit $?`).join('\n');

    const run = (test: string, template = input.package.template) => {
      writeFileSync(log, '');
      const result = spawnSync('bash', ['-c', script], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: `${dir}:${process.env.PATH}`,
          CROSSDEPLOY_ARTIFACTS_BUCKET: orders.bucket,
          CROSSDEPLOY_SERVICE: input.serviceName,
          CROSSDEPLOY_COMMIT: input.commit,
          CROSSDEPLOY_TEST_COMMAND: test,
          CROSSDEPLOY_TEMPLATE: template,
          CODEBUILD_SRC_DIR: source,
        },
      });
      if (result.status === 127 || result.error) throw new Error(`${result.error ?? ''}${result.stderr}`);
      return { status: result.status, calls: readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) };
    };

    it('stores the template under the key the stack steps read, which its role may write', () => {
      const { status, calls } = run('');
      expect(status).toBe(0);
      const key = applicationTemplateKey({ name: 'orders', version: commit });
      expect(calls).toEqual([
        `aws s3 cp ${source}/infra/template.yaml s3://crossdeploy-dev-artifacts-111111111111/${key}`,
      ]);
      // The prefix its role may write (below) and the stack steps may read (stacks/steps.ts).
      expect(key.startsWith(`${APPLICATIONS_PREFIX}orders/`)).toBe(true);
    });

    it('stores nothing when the test fails, or when the repository has no template at that path', () => {
      expect(run('exit 3')).toEqual({ status: 3, calls: [] });
      expect(run('', 'missing.yaml')).toEqual({ status: 1, calls: [] });
    });
  });

  it("has a role that may pull its CodeCommit source, store its own service's templates and write its logs, nothing else: no ECR", () => {
    const policy = buildPolicy({ where, build: orders, logGroup: buildLogGroupName(orders.project) });
    expect(policy.Statement).toEqual([
      {
        Sid: 'PullSource',
        Effect: 'Allow',
        Action: ['codecommit:GitPull'],
        Resource: ['arn:aws:codecommit:us-east-1:111111111111:orders-repo'],
      },
      {
        Sid: 'StoreTemplates',
        Effect: 'Allow',
        Action: ['s3:PutObject'],
        Resource: ['arn:aws:s3:::crossdeploy-dev-artifacts-111111111111/applications/orders/*'],
      },
      {
        Sid: 'WriteItsLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [
          'arn:aws:logs:us-east-1:111111111111:log-group:/aws/codebuild/crossdeploy-dev-build-orders:log-stream:*',
        ],
      },
    ]);
  });

  it("has a role that may use its GitHub connection, as an image build's does", () => {
    const policy = buildPolicy({ where, build: packageBuild('lambdas'), logGroup: buildLogGroupName('p') });
    expect(policy.Statement.map((s) => s.Sid)).toEqual(['UseConnection', 'StoreTemplates', 'WriteItsLogs']);
    expect(policy.Statement[0]).toEqual(
      buildPolicy({ where, build: { kind: 'image', repository: 'web', connection: CONNECTION }, logGroup: 'g' })
        .Statement[0],
    );
  });
});

describe("the build's role", () => {
  it("may pull its service's CodeCommit repository, and no other", () => {
    const policy = buildPolicy({
      where,
      build: { kind: 'image', repository: 'jobs', codecommitRepository: 'jobs' },
      logGroup: buildLogGroupName('p'),
    });
    expect(policy.Statement[0]).toEqual({
      Sid: 'PullSource',
      Effect: 'Allow',
      Action: ['codecommit:GitPull'],
      Resource: ['arn:aws:codecommit:us-east-1:111111111111:jobs'],
    });
    expect(policy.Statement.filter((s) => s.Action.some((a) => a.startsWith('codecommit:')))).toHaveLength(1);
  });

  it.each([
    [
      'arn:aws:codeconnections:us-east-1:111111111111:connection/0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f',
      'codeconnections',
    ],
    ['arn:aws:codestar-connections:us-east-1:111111111111:connection/0c1d2e3f-4a5b', 'codestar-connections'],
  ])('may use the GitHub App connection %s the map names, in its own service prefix', (connection, prefix) => {
    const policy = buildPolicy({
      where,
      build: { kind: 'image', repository: 'web', connection },
      logGroup: buildLogGroupName('p'),
    });
    expect(policy.Statement[0]).toEqual({
      Sid: 'UseConnection',
      Effect: 'Allow',
      Action: [`${prefix}:GetConnection`, `${prefix}:GetConnectionToken`],
      Resource: [connection],
    });
  });

  it('has no connection permission when the map names no connection', () => {
    const { builds } = orchestratorNames('crossdeploy', 'test', example.map);
    for (const build of builds) {
      const policy = buildPolicy({ where, build, logGroup: buildLogGroupName(build.project) });
      expect(policy.Statement.flatMap((s) => s.Action).filter((a) => a.includes('connections:'))).toEqual([]);
    }
  });

  it('takes the connection from the map, for a github source only', () => {
    const connection = 'arn:aws:codeconnections:us-east-1:111111111111:connection/0c1d2e3f-4a5b';
    const result = parseMap(
      `orchestrator: { account: "111111111111", region: us-east-1 }
services:
  web: { source: { github: acme/web, connection: "${connection}" }, repository: web, container: app, cluster: c, service: web, branches: { main: [dev] } }
environments:
  dev: { targets: [{ account: "222222222222", regions: [us-east-1] }] }
deployRole: crossdeploy-deploy
`,
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(orchestratorNames('crossdeploy', 'test', result.map).builds[0]?.connection).toBe(connection);
    const refused = parseMap(
      `orchestrator: { account: "111111111111", region: us-east-1 }
services:
  jobs: { source: { codecommit: jobs, connection: "${connection}" }, repository: jobs, container: app, cluster: c, service: jobs, branches: { main: [dev] } }
environments:
  dev: { targets: [{ account: "222222222222", regions: [us-east-1] }] }
deployRole: crossdeploy-deploy
`,
    );
    expect(refused.ok ? [] : refused.errors.map((e) => [e.path, e.message])).toEqual([
      ['services.jobs.source.connection', 'a connection goes with a github source only'],
    ]);
  });

  it("may push to its service's repository only, log in to ECR and write its own logs, nothing else", () => {
    const policy = buildPolicy({
      where,
      build: { kind: 'image', repository: 'web' },
      logGroup: buildLogGroupName('p'),
    });
    expect(policy.Statement).toEqual([
      {
        Sid: 'PushImages',
        Effect: 'Allow',
        Action: [...ECR_PUSH_ACTIONS],
        Resource: ['arn:aws:ecr:us-east-1:111111111111:repository/web'],
      },
      { Sid: 'LogInToEcr', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: ['*'] },
      {
        Sid: 'WriteItsLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: ['arn:aws:logs:us-east-1:111111111111:log-group:/aws/codebuild/p:log-stream:*'],
      },
    ]);
    for (const action of ECR_PUSH_ACTIONS) expect(action).not.toMatch(/Delete|Policy|Lifecycle/);
  });

  it('is assumed by CodeBuild for this project only', () => {
    expect(JSON.parse(buildTrustPolicy(where, 'crossdeploy-test-build')).Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'codebuild.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': '111111111111' },
          ArnLike: { 'aws:SourceArn': 'arn:aws:codebuild:us-east-1:111111111111:project/crossdeploy-test-build' },
        },
      },
    ]);
  });
});
