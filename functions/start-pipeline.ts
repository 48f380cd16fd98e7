import type { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { startNextAttempt } from '../aws/pipeline-start';
import { settings } from '../aws/settings';
import type { DeploymentMap } from '../core/map/schema';
import { pipelineInput } from '../core/pipeline-plan';
import { DETAIL_TYPE, type PushEvent, pushEvent } from '../core/pipeline-types';
import { decidePush, pushFromCodeCommit } from '../core/push';
import { sharedSfnClient } from './lib/clients';
import { lambdaStep } from './lib/lambda-step';
import { deploymentMap } from './lib/map';
import { logger } from './lib/powertools';

// The EventBridge envelope: crossdeploy's own Push events, or CodeCommit's native state-change events.
const event = z.looseObject({
  /** EventBridge's id of the event: the same on every delivery of one event. */
  id: z.string().optional(),
  source: z.string(),
  'detail-type': z.string(),
  detail: z.unknown(),
});

export interface StartedPipeline {
  service: string;
  pipelineId: string;
  started: boolean;
  reason: string;
}

/**
 * One pipeline execution per service built from the pushed repository. Names are derived from service,
 * branch and commit, so a duplicated event finds its execution already there: that is success, not an error.
 * A new push of a commit deployed before on the branch (a force-push back, a re-push) takes the next attempt.
 */
export async function startPipelines(
  envelope: z.infer<typeof event>,
  deps: { sfn?: Pick<SFNClient, 'send'>; map?: () => DeploymentMap } = {},
): Promise<StartedPipeline[]> {
  const push = pushOf(envelope);
  if (!push) return [];
  // GitHub's delivery id survives a republish by the webhook; a CodeCommit event has only its event id.
  const requestId = push.deliveryId ?? envelope.id;
  const map = (deps.map ?? deploymentMap)();
  const sfn = deps.sfn ?? sharedSfnClient();
  const results: StartedPipeline[] = [];
  for (const decision of decidePush(map, push)) {
    if (!decision.start) {
      logger.info('push starts nothing', { service: decision.service, branch: push.branch, reason: decision.reason });
      results.push({ service: decision.service, pipelineId: '', started: false, reason: decision.reason });
      continue;
    }
    const start = await startNextAttempt(
      sfn,
      settings.pipelineStateMachineArn(),
      (attempt) => pipelineInput(map, decision.service, push, { attempt, requestId }),
      requestId,
    );
    logger.info(start.started ? 'pipeline started' : 'pipeline already started for this push', {
      pipelineId: start.name,
      attempt: start.attempt,
      environments: decision.environments,
    });
    const again = start.attempt > 1 ? ` (attempt ${start.attempt})` : '';
    results.push({
      service: decision.service,
      pipelineId: start.name,
      started: start.started,
      reason: start.started
        ? `deploys to ${decision.environments.join(' → ')}${again}`
        : 'duplicate push: already started',
    });
  }
  if (results.length === 0) logger.info('no service is built from this repository', { source: push.source });
  return results;
}

function pushOf(envelope: z.infer<typeof event>): PushEvent | undefined {
  if (envelope['detail-type'] === DETAIL_TYPE.push) return pushEvent.parse(envelope.detail);
  const result = pushFromCodeCommit(envelope);
  if ('ignored' in result) {
    logger.info('event starts nothing', { reason: result.ignored });
    return undefined;
  }
  return result.push;
}

export const handler = lambdaStep('start-pipeline', event, (envelope) => startPipelines(envelope));
