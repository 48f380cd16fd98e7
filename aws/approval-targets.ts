// What an approver sees of an environment's targets: each one and what it runs now. A stage of a few targets is
// read live in each target account; a larger one from crossdeploy's ledger, in the orchestrator's account, so the
// gate's one invocation stays within its timeout at thousands of targets and never assumes a role in 1,250
// accounts at once. Beyond the e-mail's MAX_LISTED_TARGETS, the full list lives in S3 beside the deployment's
// waves, and the approvals table keeps the first ones: an item holds 400 KB at most
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items).

import { MAX_LISTED_TARGETS, templateLabel } from '../core/approval-message';
import type { DeployTarget, StackTarget, WaveTarget } from '../core/contracts';
import { ServiceNotFound } from '../core/errors';
import { currentRecord, ledgerKey } from '../core/ledger';
import type { ApprovalRequest, CheckedStage } from '../core/pipeline-types';
import { stackRevisionOf } from '../core/stacks/revision';
import { revisionOf } from '../core/status';
import { mapBounded } from './bounded';
import { describeService } from './ecs-service';
import type { DocumentClient } from './lease';
import { stackHistory, targetHistory } from './ledger';
import { describeStack } from './stacks';
import type { TargetClientFactory } from './target-clients';
import { getJson, putJson, readWaveTargets, type S3Store } from './wave-store';

/** Up to this many targets, the gate reads what each runs in its own account; beyond, from the ledger. */
export const MAX_LIVE_READS = 200;

// Reading 100 targets one by one would take seconds; all at once would trip STS and ECS throttling.
const LIVE_READ_CONCURRENCY = 10;
// Queries of one table in the orchestrator's own account: DynamoDB serves far more than this at once.
const LEDGER_READ_CONCURRENCY = 25;

type Line = ApprovalRequest['targets'][number];

export interface TargetReaders {
  s3: S3Store;
  clients: TargetClientFactory;
  ledger: { db: DocumentClient; table: string };
  /** Told of each target whose read failed; its line says `unknown (<error>)`. */
  unreadable?: (target: { account: string; region: string }, error: Error) => void;
}

/** Each target of the stage, wave after wave, what it runs now, and whether that was read from the ledger. */
export async function whatEachRuns(
  readers: TargetReaders,
  stage: CheckedStage,
): Promise<{ targets: Line[]; runsFrom?: 'ledger' }> {
  const waves = await mapBounded(stage.plan.waves, 4, (wave) => readWaveTargets(readers.s3, wave.store));
  const targets = waves.flat();
  const live = targets.length <= MAX_LIVE_READS;
  const lines = await linesOf(readers, stage, targets, live);
  return live ? { targets: lines } : { targets: lines, runsFrom: 'ledger' };
}

async function linesOf(
  readers: TargetReaders,
  stage: CheckedStage,
  targets: WaveTarget[],
  live: boolean,
): Promise<Line[]> {
  const { plan } = stage;
  const role = plan.deployment.deployRole;
  const key = (t: { account: string; region: string }) => ledgerKey(plan.deployment.serviceName, stage.environment, t);
  const { db, table } = readers.ledger;
  if (plan.targetKind === 'cloudformation-stack') {
    return readEach(
      targets as StackTarget[],
      live,
      (t) => `stack ${t.stackName}`,
      live
        ? async (t) => {
            const stack = await describeStack(readers.clients(t, role).cloudformation, t);
            if (!stack) return 'no stack yet';
            const { template } = stackRevisionOf(stack);
            return template ? `${template.version} (${stack.status})` : `an untracked template (${stack.status})`;
          }
        : async (t) => {
            const record = (await stackHistory(table, key(t), db)).find((r) => r.result === 'succeeded');
            return record ? record.version : 'nothing crossdeploy deployed';
          },
      readers.unreadable,
    );
  }
  const instance = plan.deployment.serviceInstance;
  return readEach(
    targets as DeployTarget[],
    live,
    (t) => `${t.cluster}/${t.service}`,
    live
      ? async (t) => {
          try {
            const service = await describeService(readers.clients(t, role).ecs, t);
            return revisionOf(service.taskDefinition ?? '') || 'no task definition';
          } catch (error) {
            // A service from a template does not exist before its first deploy, which creates it.
            if ((error as Error).name !== ServiceNotFound.errorName || !instance) throw error;
            return `no service yet: this deploy creates it from ${templateLabel(instance.template)}`;
          }
        }
      : async (t) => {
          const record = currentRecord(await targetHistory(table, key(t), db));
          return record?.taskDefinitionArn ? revisionOf(record.taskDefinitionArn) : 'nothing crossdeploy deployed';
        },
    readers.unreadable,
  );
}

/** Reads what each target runs, a few at a time. */
function readEach<T extends { account: string; region: string }>(
  targets: T[],
  live: boolean,
  what: (target: T) => string,
  runs: (target: T) => Promise<string>,
  unreadable: TargetReaders['unreadable'],
): Promise<Line[]> {
  return mapBounded(targets, live ? LIVE_READ_CONCURRENCY : LEDGER_READ_CONCURRENCY, async (t) => ({
    account: t.account,
    region: t.region,
    what: what(t),
    runs: await readable(
      () => runs(t),
      (error) => unreadable?.(t, error),
    ),
  }));
}

/**
 * What a target runs, as `family:revision` or a template version. The approver decides with or without it, so a
 * target that cannot be read says why instead of failing the gate.
 */
async function readable(read: () => Promise<string>, failed: (error: Error) => void): Promise<string> {
  try {
    return await read();
  } catch (error) {
    const e = error as Error;
    failed(e);
    return `unknown (${e.name}: ${e.message})`;
  }
}

/**
 * The request as the approvals table keeps it: every target when the e-mail lists them all, or else the first
 * MAX_LISTED_TARGETS and where the full list is, written to S3 first so a stored approval always finds it.
 */
export async function requestToKeep(
  s3: S3Store,
  where: { bucket: string; deploymentId: string },
  request: ApprovalRequest,
): Promise<ApprovalRequest> {
  if (request.targets.length <= MAX_LISTED_TARGETS) return request;
  const targetsAt = {
    bucket: where.bucket,
    key: `deployments/${where.deploymentId}/approval-${request.approvalId}.json`,
  };
  await putJson(s3, targetsAt.bucket, targetsAt.key, request.targets);
  return { ...request, targets: request.targets.slice(0, MAX_LISTED_TARGETS), targetsAt };
}

/** A kept request with every target again, for the page that lists them all. */
export async function withEveryTarget(s3: S3Store, request: ApprovalRequest): Promise<ApprovalRequest> {
  const at = request.targetsAt;
  if (!at) return request;
  return { ...request, targets: await getJson<Line[]>(s3, at.bucket, at.key) };
}
