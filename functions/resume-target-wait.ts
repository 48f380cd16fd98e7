// Target of the bus rules for the ECS deployment and alarm events target accounts forward: ends the waits of
// deploy-target executions that the event settles. The token comes from the waits table, never from the event; an
// event matching no wait (another service, an older deployment, one already ended) resumes nothing.

import type { DocumentClient } from '../aws/lease';
import { settings } from '../aws/settings';
import { endWait, pendingWaits } from '../aws/target-waits';
import type { TaskTokenSfn } from '../aws/task-tokens';
import { forwardedEnvelope } from '../core/target-events';
import { rolloutEnded, signalOf, verdictFor } from '../core/target-waits';
import { sharedDocumentClient, sharedSfnClient } from './lib/clients';
import { eventHandler } from './lib/lambda-step';
import { logger } from './lib/powertools';

export interface ResumeTargetWaitDeps {
  dynamo?: DocumentClient;
  sfn?: TaskTokenSfn;
  waitsTable?: () => string;
}

export interface ResumedWaits {
  /** The executions this event resumed. */
  resumed: string[];
}

export async function resumeTargetWait(event: unknown, deps: ResumeTargetWaitDeps = {}): Promise<ResumedWaits> {
  const { dynamo = sharedDocumentClient(), sfn = sharedSfnClient(), waitsTable = settings.waitsTable } = deps;
  const signal = signalOf(event);
  if (signal === undefined) return { resumed: [] };
  const resumed: string[] = [];
  for (const wait of await pendingWaits(dynamo, waitsTable(), signal)) {
    const verdict = verdictFor(wait, signal);
    if (verdict === undefined) continue;
    const handover = await endWait(dynamo, sfn, waitsTable(), wait, rolloutEnded(verdict), 'event');
    if (handover?.delivered) resumed.push(wait.executionArn);
    logger.info('wait ended by event', {
      account: signal.account,
      region: signal.region,
      kind: wait.kind,
      state: verdict.state,
      executionArn: wait.executionArn,
      delivered: handover?.delivered ?? false,
    });
  }
  return { resumed };
}

export const handler = eventHandler('resume-target-wait', forwardedEnvelope, (event) => resumeTargetWait(event));
