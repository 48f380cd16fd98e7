// The pipeline's one failure exit: whatever the pipeline caught (a rejected or timed-out approval, an environment
// that failed, was rolled back or could not start) is read down to its innermost error, announced on the bus, and
// returned as the `{error, cause}` the pipeline's Fail state ends with.

import type { z } from 'zod';
import type { SfnLike } from '../aws/executions';
import { explainFailure } from '../aws/failure-explanation';
import { caughtFailure } from '../core/contracts';
import { isChildFailure, pipelineExit } from '../core/pipeline-exit';
import { type AnnounceDeploymentDeps, announceDeployment, noticeSubject } from './announce-deployment';
import { sharedSfnClient } from './lib/clients';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

const input = noticeSubject.extend({
  // What a Catch put at `$.failure`: `{Error, Cause}`, the Cause often a nested execution's JSON.
  failure: caughtFailure,
});

export interface AnnounceFailureOutput {
  error: string;
  cause: string;
}

export async function announceFailure(
  event: z.infer<typeof input>,
  deps: AnnounceDeploymentDeps & { sfn?: SfnLike } = {},
): Promise<AnnounceFailureOutput> {
  const { failure, ...where } = event;
  const warn = (message: string, fields: Record<string, unknown>) => logger.warn(message, fields);
  const child = isChildFailure(failure)
    ? (await explainFailure({ failure }, deps.sfn ?? sharedSfnClient(), warn)).execution
    : undefined;
  const exit = pipelineExit(failure, child);
  await announceDeployment({ ...where, event: exit.event, failure: { Error: exit.error, Cause: exit.cause } }, deps);
  return { error: exit.error, cause: exit.cause };
}

export const handler = lambdaStep('announce-failure', input, (event) => announceFailure(event));
