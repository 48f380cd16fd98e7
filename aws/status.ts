// What `crossdeploy status` (and the local console) asks AWS: per target, its ledger records in the tools account,
// its service's live revision, read as the deploy role, and the environment's stack there with the registry's
// versions of its template. The verdicts are core/status.ts's and core/stacks/template-status.ts's.

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DeployRole, DeployTarget, StackTarget, TemplateRef } from '../core/contracts';
import { ledgerKey } from '../core/ledger';
import type { DeploymentMap } from '../core/map/schema';
import { ENVIRONMENT_STACK_SUBJECT } from '../core/map/stack-plan';
import { memo } from '../core/memo';
import {
  type ApplicationStatusTarget,
  applicationStatusOf,
  applicationStatusTargets,
  type StackLiveRead,
} from '../core/stacks/application-status';
import { STACK_TAGS } from '../core/stacks/revision';
import { currentStackRecord, templateStackOf } from '../core/stacks/template-status';
import {
  type LedgerRead,
  type LiveRead,
  type ReadFailure,
  type StatusRow,
  type StatusTarget,
  statusOf,
  statusTargets,
  type TemplateStackRead,
} from '../core/status';
import { executionArnIn } from '../stacks/arns';
import { mapBounded } from './bounded';
import { describeService, type EcsLike } from './ecs-service';
import type { DocumentClient } from './lease';
import { stackHistory, targetHistory } from './ledger';
import { stageInUse, stateMachineArnOf } from './orchestrator';
import { settings } from './settings';
import { type CfnLike, describeStack } from './stacks';
import { targetClientFactory } from './target-clients';
import { listTemplateVersions } from './template-registry';

/** Targets read at once: a large map answers quickly without being throttled. */
const STATUS_CONCURRENCY = 8;

export interface StatusDeps {
  /** Reads the ledger; a client from the environment by default, destroyed at the end. */
  db?: DocumentClient;
  /** ECS of one target as the deploy role; the shared targetClientFactory()'s by default. */
  ecs?: (target: DeployTarget, role: DeployRole) => EcsLike;
  /** CloudFormation of one target as the deploy role, for application stacks; targetClientFactory()'s by default. */
  cloudformation?: (target: StackTarget, role: DeployRole) => CfnLike;
  concurrency?: number;
}

/**
 * One row per target of every (service, environment) the filter selects, in map order. A target that cannot be
 * read becomes a row that says why; only a filter naming what the map lacks throws.
 */
export async function liveStatus(
  map: DeploymentMap,
  filter: { service?: string; env?: string },
  deps: StatusDeps = {},
): Promise<StatusRow[]> {
  const targets = statusTargets(map, filter);
  const table = settings.ledgerTable();
  // The ledger lives in the orchestrator's region, whatever region the caller's profile names.
  const ledger = deps.db ? { db: deps.db, destroy: () => {} } : ownDocumentClient(map.orchestrator.region);
  const ecsOf = deps.ecs ?? defaultEcs();
  const cloudformationOf = deps.cloudformation ?? defaultCloudFormation();
  const concurrency = deps.concurrency ?? STATUS_CONCURRENCY;
  const ended = executionEndedIn(map, 'deploy-target');
  const stackEnded = executionEndedIn(map, 'deploy-stack');
  const stackAt = templateStacksIn(table, settings.templatesTable(), ledger.db);
  try {
    const services = await mapBounded(targets, concurrency, async (target) => {
      const [records, live, environment, service] = await Promise.all([
        readLedger(table, target, ledger.db),
        readLive(ecsOf(target, map.deployRole), target),
        stackAt(ledgerKey(ENVIRONMENT_STACK_SUBJECT, target.environment, target)),
        stackAt(ledgerKey(target.serviceName, target.environment, target)),
      ]);
      const newest = Array.isArray(records) ? records[0] : undefined;
      const newestEnded = newest?.result === 'in-progress' ? await ended.of(newest.executionName) : undefined;
      return statusOf(target, records, live, newestEnded, environment, service);
    });
    const applications = await mapBounded(applicationStatusTargets(map, filter), concurrency, async (target) => {
      const [records, live, environment] = await Promise.all([
        readStackLedger(table, target, ledger.db),
        readStack(cloudformationOf(target, map.deployRole), target),
        stackAt(ledgerKey(ENVIRONMENT_STACK_SUBJECT, target.environment, target)),
      ]);
      const newest = Array.isArray(records) ? records[0] : undefined;
      const newestEnded = newest?.result === 'in-progress' ? await stackEnded.of(newest.executionName) : undefined;
      return applicationStatusOf(target, records, live, newestEnded, environment);
    });
    return [...services, ...applications];
  } finally {
    ledger.destroy();
    ended.destroy();
    stackEnded.destroy();
  }
}

/**
 * Whether a per-target execution has ended (true), still runs (false), or cannot be told (undefined): asks Step
 * Functions about deploy-target executions of the stage in use; any doubt, or no stage, answers undefined. Its
 * client is made on the first question only, and `destroy` ends it.
 */
function executionEndedIn(
  map: DeploymentMap,
  workflow: 'deploy-target' | 'deploy-stack',
): {
  of(executionName: string): Promise<boolean | undefined>;
  destroy(): void;
} {
  let stage: string;
  try {
    stage = stageInUse();
  } catch {
    return { of: async () => undefined, destroy: () => {} };
  }
  let sfn: SFNClient | undefined;
  const machine = stateMachineArnOf(map.orchestrator, stage, workflow);
  return {
    destroy: () => sfn?.destroy(),
    of: async (executionName) => {
      sfn ??= new SFNClient({ region: map.orchestrator.region });
      try {
        const { status } = await sfn.send(
          new DescribeExecutionCommand({ executionArn: executionArnIn(machine, executionName) }),
        );
        return status === undefined ? undefined : status !== 'RUNNING';
      } catch {
        // Not found (past retention, another stage) or not allowed: keep trusting the record.
        return undefined;
      }
    },
  };
}

function ownDocumentClient(region: string): { db: DocumentClient; destroy(): void } {
  const dynamo = new DynamoDBClient({ region });
  return { db: DynamoDBDocumentClient.from(dynamo), destroy: () => dynamo.destroy() };
}

function defaultEcs(): NonNullable<StatusDeps['ecs']> {
  const clients = targetClientFactory();
  return (target, role) => clients(target, role).ecs;
}

function defaultCloudFormation(): NonNullable<StatusDeps['cloudformation']> {
  const clients = targetClientFactory();
  return (target, role) => clients(target, role).cloudformation;
}

/**
 * A stack crossdeploy deployed from a template, by its ledger key: the environment's (read once per environment ×
 * account × region, every service there shares it) or a service instance's, with its template's versions read
 * once per template.
 */
function templateStacksIn(
  ledgerTable: string,
  templatesTable: string,
  db: DocumentClient,
): (ledgerKey: string) => Promise<TemplateStackRead> {
  const versionsOf = memo((template: Pick<TemplateRef, 'kind' | 'name'>) =>
    // A registry that cannot be read leaves the upgrades unknown, not the version that runs.
    listTemplateVersions(db, templatesTable, template).catch(() => undefined),
  );
  const stackAt = memo(async (key: string): Promise<TemplateStackRead> => {
    try {
      const records = await stackHistory(ledgerTable, key, db);
      const running = currentStackRecord(records);
      const { kind, name } = running?.template ?? {};
      const published = kind && name && kind !== 'applications' ? await versionsOf({ kind, name }) : [];
      return templateStackOf(records, published);
    } catch (error) {
      return failureOf(error);
    }
  });
  return stackAt;
}

async function readLedger(table: string, target: StatusTarget, db: DocumentClient): Promise<LedgerRead> {
  try {
    return await targetHistory(table, ledgerKey(target.serviceName, target.environment, target), db);
  } catch (error) {
    return failureOf(error);
  }
}

/**
 * The service's own taskDefinition ("the task definition to use for tasks in the service", set by UpdateService,
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Service.html), which is the PRIMARY deployment's
 * revision, also during a rollout, and which a circuit-breaker rollback puts back with the service
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentCircuitBreaker.html). moto keeps this
 * field but never its deployments, so a process started after the local runtime reads what ran there too.
 */
async function readLive(ecs: EcsLike, target: StatusTarget): Promise<LiveRead> {
  try {
    const service = await describeService(ecs, target);
    const primary = service.deployments?.find((deployment) => deployment.status === 'PRIMARY');
    return { taskDefinition: service.taskDefinition ?? primary?.taskDefinition ?? null };
  } catch (error) {
    return failureOf(error);
  }
}

async function readStackLedger(table: string, target: ApplicationStatusTarget, db: DocumentClient) {
  try {
    return await stackHistory(table, ledgerKey(target.serviceName, target.environment, target), db);
  } catch (error) {
    return failureOf(error);
  }
}

/** The application stack's status and the commit crossdeploy tagged it with (core/stacks/revision.ts). */
async function readStack(cloudformation: CfnLike, target: ApplicationStatusTarget): Promise<StackLiveRead> {
  try {
    const stack = await describeStack(cloudformation, target);
    return stack ? { status: stack.status, version: stack.tags[STACK_TAGS.version] ?? null } : null;
  } catch (error) {
    return failureOf(error);
  }
}

function failureOf(error: unknown): ReadFailure {
  const e = error instanceof Error ? error : new Error(String(error));
  return { failure: { name: e.name, message: e.message } };
}
