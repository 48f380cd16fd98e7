import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { settings } from '../aws/settings';
import { awsCall } from '../aws/transient';
import type { DeploymentMap } from '../core/map/schema';
import { pipelineInput } from '../core/pipeline-plan';
import { DETAIL_TYPE, type PushEvent } from '../core/pipeline-types';
import { decidePush, pushFromCodeCommit } from '../core/push';
import { lambdaStep } from './lib/lambda-step';
import { deploymentMap } from './lib/map';
import { logger } from './lib/powertools';

// The EventBridge envelope: crossdeploy's own Push events, or CodeCommit's native state-change events.
const event = z.looseObject({
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
 * branch and commit, so a redelivered or duplicated event finds its execution already there: that is
 * success, not an error.
 */
export async function startPipelines(
  envelope: z.infer<typeof event>,
  deps: { sfn?: Pick<SFNClient, 'send'>; map?: () => DeploymentMap } = {},
): Promise<StartedPipeline[]> {
  const push = pushOf(envelope);
  if (!push) return [];
  const map = (deps.map ?? deploymentMap)();
  const sfn = deps.sfn ?? new SFNClient({});
  const results: StartedPipeline[] = [];
  for (const decision of decidePush(map, push)) {
    if (!decision.start) {
      logger.info('push starts nothing', { service: decision.service, branch: push.branch, reason: decision.reason });
      results.push({ service: decision.service, pipelineId: '', started: false, reason: decision.reason });
      continue;
    }
    const input = pipelineInput(map, decision.service, push);
    const started = await startOnce(sfn, input.pipelineId, JSON.stringify(input));
    logger.info(started ? 'pipeline started' : 'pipeline already started for this push', {
      pipelineId: input.pipelineId,
      environments: decision.environments,
    });
    results.push({
      service: decision.service,
      pipelineId: input.pipelineId,
      started,
      reason: started ? `deploys to ${decision.environments.join(' → ')}` : 'duplicate push: already started',
    });
  }
  if (results.length === 0) logger.info('no service is built from this repository', { source: push.source });
  return results;
}

function pushOf(envelope: z.infer<typeof event>): PushEvent | undefined {
  if (envelope['detail-type'] === DETAIL_TYPE.push) return envelope.detail as PushEvent;
  const result = pushFromCodeCommit(envelope);
  if ('ignored' in result) {
    logger.info('event starts nothing', { reason: result.ignored });
    return undefined;
  }
  return result.push;
}

async function startOnce(sfn: Pick<SFNClient, 'send'>, name: string, input: string): Promise<boolean> {
  try {
    await awsCall(`states:StartExecution ${name}`, () =>
      sfn.send(new StartExecutionCommand({ stateMachineArn: settings.pipelineStateMachineArn(), name, input })),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === 'ExecutionAlreadyExists') return false;
    throw error;
  }
}

export const handler = lambdaStep('start-pipeline', event, (envelope) => startPipelines(envelope));
