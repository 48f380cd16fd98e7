// The rollout's `.waitForTaskToken` task: parks the token for the target's ECS deployment events
// (functions/resume-target-wait.ts), then reads the service once. The deployment may have ended before the token
// was parked, and ECS sends no second event for it: that read ends the wait itself.

import { z } from 'zod';
import { describeService } from '../aws/ecs-service';
import type { DocumentClient } from '../aws/lease';
import { settings } from '../aws/settings';
import { type TargetClientFactory, targetClientFactory } from '../aws/target-clients';
import { endWait, parkWait } from '../aws/target-waits';
import type { TaskTokenSfn } from '../aws/task-tokens';
import { deployRole, deployTarget, progress } from '../core/contracts';
import { rolloutVerdict, type ServiceSnapshot } from '../core/rollout';
import { rolloutEnded } from '../core/target-waits';
import { sharedDocumentClient, sharedSfnClient } from './lib/clients';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

const input = z.object({
  taskToken: z.string().min(1),
  executionArn: z.string().min(1),
  target: deployTarget,
  deployRole,
  taskDefinitionArn: z.string().min(1),
  progress,
});

export interface AwaitDeps {
  clients?: TargetClientFactory;
  dynamo?: DocumentClient;
  sfn?: TaskTokenSfn;
  waitsTable?: () => string;
  now?: () => Date;
}

/** The clients and settings a waiting step uses: the ones given, the Lambda's own otherwise. */
export function awaitDeps(deps: AwaitDeps): Required<AwaitDeps> {
  return {
    clients: deps.clients ?? targetClientFactory(),
    dynamo: deps.dynamo ?? sharedDocumentClient(),
    sfn: deps.sfn ?? sharedSfnClient(),
    waitsTable: deps.waitsTable ?? settings.waitsTable,
    now: deps.now ?? (() => new Date()),
  };
}

export async function awaitRollout(event: z.infer<typeof input>, deps: AwaitDeps = {}): Promise<{ parked: boolean }> {
  const { clients, dynamo, sfn, waitsTable, now } = awaitDeps(deps);
  const { target } = event;
  const { ecs } = clients(target, event.deployRole);
  const ecsDeploymentId =
    event.progress.ecsDeploymentId ?? deploymentOf(await describeService(ecs, target), event.taskDefinitionArn);
  const wait = await parkWait(dynamo, waitsTable(), {
    kind: 'rollout',
    target,
    ecsDeploymentId: ecsDeploymentId ?? 'unknown',
    progress: { ...event.progress, ...(ecsDeploymentId === undefined ? {} : { ecsDeploymentId }) },
    taskToken: event.taskToken,
    executionArn: event.executionArn,
    now: now(),
  });
  // Read after parking: an event that came before the park found no wait, and this read sees what it said.
  const verdict = rolloutVerdict(await describeService(ecs, target), {
    taskDefinitionArn: event.taskDefinitionArn,
    since: event.progress.startedAt,
  });
  logger.info('waiting for the rollout', {
    account: target.account,
    region: target.region,
    ecsDeploymentId,
    state: verdict.state,
    summary: verdict.summary,
  });
  if (verdict.state === 'IN_PROGRESS') return { parked: true };
  const ended = rolloutEnded({ ...wait.progress, state: verdict.state, summary: verdict.summary });
  await endWait(
    dynamo,
    sfn,
    waitsTable(),
    wait,
    verdict.failure ? { ...ended, failure: verdict.failure } : ended,
    'check',
  );
  return { parked: false };
}

/** The newest deployment of the revision: UpdateService's answer normally names it; this is for when it did not. */
function deploymentOf(service: ServiceSnapshot, taskDefinitionArn: string): string | undefined {
  return service.deployments
    ?.filter((d) => d.taskDefinition === taskDefinitionArn)
    .sort((a, b) => new Date(b.createdAt ?? 0).getTime() - new Date(a.createdAt ?? 0).getTime())[0]?.id;
}

export const handler = lambdaStep('await-rollout', input, (event) => awaitRollout(event));
