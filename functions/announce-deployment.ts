// A pipeline step that says how a deployment goes: started, succeeded, failed, rolled back. The notice goes
// on crossdeploy's bus, where the notify rule (and anyone else's rule) picks it up; this step only publishes.

import { z } from 'zod';
import { type EventsLike, putNotice } from '../aws/notice-events';
import { settings } from '../aws/settings';
import { executionLink } from '../core/console-link';
import { deploymentKind } from '../core/contracts';
import { buildNotice, type NoticeDetailType } from '../core/notice';
import { sharedEventsClient } from './lib/clients';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

/** Which pipeline execution, environment and commit a notice is about. */
export const noticeSubject = z.object({
  pipelineId: z.string().min(1),
  executionArn: z.string().min(1),
  serviceName: z.string().min(1),
  environment: z.string().min(1),
  commit: z.string().min(1),
  kind: deploymentKind,
});

const input = noticeSubject.extend({
  event: z.enum(['started', 'succeeded', 'failed', 'rolled-back']),
  // What a Catch put under ResultPath: `{Error, Cause}`, the Cause often a nested execution's JSON.
  failure: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).nullable(),
});

export type AnnounceDeploymentInput = z.infer<typeof input>;

export interface AnnounceDeploymentOutput {
  published: true;
  detailType: NoticeDetailType;
}

export interface AnnounceDeploymentDeps {
  events?: EventsLike;
  now?: () => Date;
  eventBusName?: () => string;
  consoleUrl?: () => string | undefined;
}

export async function announceDeployment(
  event: AnnounceDeploymentInput,
  deps: AnnounceDeploymentDeps = {},
): Promise<AnnounceDeploymentOutput> {
  const {
    events = sharedEventsClient(),
    now = () => new Date(),
    eventBusName = settings.eventBusName,
    consoleUrl = settings.consoleUrl,
  } = deps;
  const notice = buildNotice({
    ...event,
    consoleLink: executionLink(event.executionArn, consoleUrl()),
    at: now(),
  });
  const { detailType, eventId } = await putNotice(events, eventBusName(), notice);
  logger.info('deployment announced', { detailType, eventId, pipelineId: event.pipelineId, failedWith: notice.error });
  return { published: true, detailType };
}

export const handler = lambdaStep('announce-deployment', input, (event) => announceDeployment(event));
