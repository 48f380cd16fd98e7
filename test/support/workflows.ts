import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach } from 'vitest';
import { settings } from '../../aws/settings';
import { forgetTargetSessions } from '../../aws/target-clients';
import type { ListedWave } from '../../aws/wave-store';
import { storeWaves } from '../../aws/wave-store';
import type { DeploymentSpec, DeployTarget, EnvironmentRun, ImageRef, TargetDeployment } from '../../core/contracts';
import type { PullGrant } from '../../core/ecr-policy';
import type { LedgerRecord } from '../../core/ledger';
import { sharedS3Client } from '../../functions/lib/clients';
import { clientForAccount } from '../../local/accounts';
import { localFunctions, localIntegrations, localValues, stateMachineDefinitions } from '../../local/functions';
import { createArtifactsBucket } from '../../local/orchestrator';
import {
  bootstrapTargetAccount,
  seedImage,
  seedLedger as seedLedgerTable,
  seedPullGrant as seedPullGrantFor,
  seedReplication,
  seedRepository,
  seedTarget,
} from '../../local/seed';
import { stepFunctionsApi } from '../../local/sfn-api';
import { type ExecutionRecord, LocalStepFunctions } from '../../local/step-functions';
import { startTargetWaits } from '../../local/target-waits';
import { workerScheduler } from './moto';

export const ORCHESTRATOR = { account: '111111111111', region: 'us-east-1' };
export const IMAGE: ImageRef = {
  repositoryUri: '111111111111.dkr.ecr.us-east-1.amazonaws.com/web',
  digest: `sha256:${'ab'.repeat(32)}`,
  uri: `111111111111.dkr.ecr.us-east-1.amazonaws.com/web@sha256:${'ab'.repeat(32)}`,
  platforms: ['linux/amd64'],
};

const COMMIT = '3f2a9c1'.padEnd(40, '0');

const BOOTSTRAPPED_ACCOUNTS = ['222222222222', '333333333333', '444444444444'];

/**
 * Local seconds per real second in the tests: a 90-second bake takes 0.45 s, a rollout's 150-second safety net
 * 0.75 s. Polls (Wait states) run back to back.
 */
export const TEST_TIME_SCALE = 200;

/**
 * One engine per test (deploy-role credentials are per test too), with the path target events take to it: the
 * bus's rules for forwarded ECS and alarm events, read into resume-target-wait, and Step Functions' API answered
 * by this engine for the tokens it hands back.
 */
export function useWorkflows(options: { timeScale?: number } = {}): () => LocalStepFunctions {
  let engine: LocalStepFunctions;
  let waits: { stop(): Promise<void> } | undefined;
  beforeEach(async () => {
    forgetTargetSessions();
    // The target accounts the tests deploy to are bootstrapped, as the StackSet does in AWS.
    for (const account of BOOTSTRAPPED_ACCOUNTS) await bootstrapTargetAccount(account);
    await createArtifactsBucket(ORCHESTRATOR.region);
    engine = new LocalStepFunctions({
      definitions: stateMachineDefinitions,
      functions: localFunctions,
      integrations: localIntegrations,
      values: localValues,
      ...ORCHESTRATOR,
      timeScale: options.timeScale ?? TEST_TIME_SCALE,
      waitMs: 0,
    });
    const scheduler = await workerScheduler();
    scheduler.serveLocally(stepFunctionsApi(engine));
    waits = await startTargetWaits(ORCHESTRATOR, scheduler.endpoint);
  });
  afterEach(async () => {
    await engine.stopAll();
    await waits?.stop();
    (await workerScheduler()).serveLocally(undefined);
  });
  return () => engine;
}

/**
 * Runs deploy-environment as the pipeline does: its waves' targets stored first by "Store the environment's
 * waves", with that step's own code.
 */
export async function runEnvironment<R extends ListedEnvironment>(
  engine: LocalStepFunctions,
  run: R,
  opts: { name?: string } = {},
): Promise<ExecutionRecord> {
  return engine.finished((await startEnvironment(engine, run, opts)).executionArn);
}

type ListedEnvironment = { deployment: { deploymentId: string }; waves: ListedWave[] };

/** Starts deploy-environment as runEnvironment does, and returns at once. */
export async function startEnvironment<R extends ListedEnvironment>(
  engine: LocalStepFunctions,
  run: R,
  opts: { name?: string } = {},
): Promise<ExecutionRecord> {
  const waves = await storeWaves(sharedS3Client(), settings.artifactsBucket(), run.deployment.deploymentId, run.waves);
  return engine.start('deploy-environment', { ...run, waves }, opts);
}

/** The iterations of a Distributed Map of `record`'s machine, by the map state's label. */
export function mapIterations(engine: LocalStepFunctions, record: ExecutionRecord, label: string): ExecutionRecord[] {
  return engine.descendants(record).filter((e) => e.stateMachine === `${record.stateMachine}/${label}`);
}

/** The context of a deployment jane@example.com approved for a pipeline of web's main branch. */
export const APPROVED = {
  kind: 'deploy' as const,
  pipelineId: 'web-main-3f2a9c1-abcd1234',
  approval: { approver: 'jane@example.com', comment: 'ship it' },
  requestedBy: null,
};

export function target(account: string, region: string): DeployTarget {
  return { account, region, cluster: 'demo', service: 'web', container: 'app' };
}

/**
 * The repository in the tools account's region and, as the stack creates them, its replicas in the targets'
 * regions with the rules that replicate to them; then IMAGE, pushed by the build (replicated later). Each target
 * forwards its events to the orchestrator's bus unless `forwarded` is false.
 */
export async function seed(
  targets: DeployTarget[],
  alarms: string[] = ['web-5xx'],
  opts: { forwarded?: boolean } = {},
) {
  await seedBuiltImage(targets);
  for (const t of targets) await seedTarget({ ...t, alarms, ...(opts.forwarded === false && { orchestrator: null }) });
}

/** What `seed` makes in the tools account (repositories, replication, IMAGE, the ledger), and no ECS service. */
export async function seedBuiltImage(targets: Pick<DeployTarget, 'region'>[]) {
  const regions = [...new Set(targets.map((t) => t.region))].filter((r) => r !== ORCHESTRATOR.region);
  for (const region of [ORCHESTRATOR.region, ...regions]) await seedRepository('web', region);
  if (regions.length > 0) await seedReplication(regions, ORCHESTRATOR.region);
  await seedImage('web', { digest: IMAGE.digest, tag: COMMIT }, ORCHESTRATOR.region);
  await seedLedger();
}

/**
 * The pull grant deploy-environment writes before a wave, for a deploy-target run alone: the targets' accounts
 * (or `grant`), in every region they pull from.
 */
export async function seedPullGrant(
  targets: DeployTarget[],
  grant: PullGrant = { accounts: targets.map((t) => t.account) },
) {
  await seedPullGrantFor('web', grant, [ORCHESTRATOR.region, ...targets.map((t) => t.region)]);
}

export function targetDeployment(t: DeployTarget, overrides: Partial<DeploymentSpec> = {}): TargetDeployment {
  return { deployment: deploymentSpec(t, overrides), target: t };
}

function deploymentSpec(t: DeployTarget, overrides: Partial<DeploymentSpec>): DeploymentSpec {
  return {
    deploymentId: 'web-dev-3f2a9c1-test',
    serviceName: 'web',
    environment: 'dev',
    commit: COMMIT,
    image: IMAGE,
    orchestrator: ORCHESTRATOR,
    deployRole: { name: 'crossdeploy-deploy' },
    ecr: {
      repository: 'web',
      accounts: [t.account],
      regions: [...new Set([ORCHESTRATOR.region, t.region])].sort(),
      replica: { intervalSeconds: 20, checks: 3 },
    },
    taskDefinitionTemplate: null,
    serviceInstance: null,
    health: { alarms: ['web-5xx'] },
    rollout: { intervalSeconds: 15, checks: 10 },
    bake: { intervalSeconds: 30, checks: 3 },
    context: { kind: 'deploy', pipelineId: 'web-dev-3f2a9c1-test', approval: null, requestedBy: null },
    ...overrides,
  };
}

export function environmentDeployment(
  waves: { targets: DeployTarget[]; maxConcurrency?: number; failureTolerance?: number }[],
): EnvironmentRun {
  const common = deploymentSpec(target('222222222222', 'us-east-1'), {});
  const targets = waves.flatMap((w) => w.targets);
  return {
    targetKind: 'ecs-service',
    deployment: {
      ...common,
      ecr: {
        ...common.ecr,
        accounts: [...new Set(targets.map((t) => t.account))].sort(),
        regions: [...new Set(targets.map((t) => t.region))].sort(),
      },
    },
    waves: waves.map((w) => ({
      maxConcurrency: w.maxConcurrency ?? 10,
      failureTolerance: w.failureTolerance ?? 0,
      targets: w.targets,
    })),
  };
}

/** The ledger table the workflows write, in the orchestrator account. */
export const seedLedger = () => seedLedgerTable(ORCHESTRATOR.region);

/** Every ledger record, oldest first, as a test reads them back. */
export async function ledgerRecords(): Promise<LedgerRecord[]> {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: ORCHESTRATOR.region }));
  const items: LedgerRecord[] = [];
  let from: Record<string, unknown> | undefined;
  // A Scan page holds at most 1 MB: thousands of records take several.
  do {
    const page = await db.send(new ScanCommand({ TableName: settings.ledgerTable(), ExclusiveStartKey: from }));
    items.push(...((page.Items ?? []) as LedgerRecord[]));
    from = page.LastEvaluatedKey;
  } while (from);
  db.destroy();
  return items.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/** What a target runs now, read as a fixture (moto's account header), not through crossdeploy. */
export async function live(t: DeployTarget) {
  const ecs = clientForAccount(ECSClient, t.account, t.region);
  const { services } = await ecs.send(new DescribeServicesCommand({ cluster: t.cluster, services: [t.service] }));
  const taskDefinitionArn = services?.[0]?.taskDefinition as string;
  const { taskDefinition, tags } = await ecs.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn, include: ['TAGS'] }),
  );
  ecs.destroy();
  return {
    taskDefinitionArn,
    revision: taskDefinition?.revision,
    containers: taskDefinition?.containerDefinitions ?? [],
    roles: { task: taskDefinition?.taskRoleArn, execution: taskDefinition?.executionRoleArn },
    tags: tags ?? [],
  };
}
