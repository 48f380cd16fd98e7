// Deciding an approval, whoever decides it (the page's form, or `crossdeploy approve` at a terminal): the
// record moves out of `pending` exactly once, then the decision goes on the bus for resume-approval.

import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type ApprovalRecord, decide, getApproval, undecide } from '../../aws/approvals';
import type { DocumentClient } from '../../aws/lease';
import type { EventsLike } from '../../aws/notice-events';
import { type ApprovalDecision, DETAIL_TYPE, EVENT_SOURCE } from '../../core/pipeline-types';
import { logger } from '../lib/powertools';

export type DecisionOutcome =
  | { outcome: 'decided' }
  | { outcome: 'not-found' }
  | { outcome: 'closed'; record: ApprovalRecord }
  | { outcome: 'unpublished' };

/** Records the decision and publishes it; a decision the bus refused is taken back, so nothing is lost. */
export async function decideApproval(
  clients: { dynamo: DocumentClient; events: EventsLike },
  where: { table: string; bus: string },
  decision: ApprovalDecision,
): Promise<DecisionOutcome> {
  const { dynamo, events } = clients;
  if (!(await decide(dynamo, where.table, decision))) {
    const current = await getApproval(dynamo, where.table, decision.approvalId);
    if (!current) return { outcome: 'not-found' };
    // The request that won took its decision back (the bus refused it): this one may simply be sent again.
    if (current.status === 'pending') return { outcome: 'unpublished' };
    return { outcome: 'closed', record: current };
  }
  try {
    await publishDecision(events, where.bus, decision);
  } catch (error) {
    logger.error('decision not published; taking it back', { approvalId: decision.approvalId, error: error as Error });
    await takeBack(dynamo, where.table, decision);
    return { outcome: 'unpublished' };
  }
  logger.info('approval decided', {
    approvalId: decision.approvalId,
    decision: decision.decision,
    approver: decision.approver,
  });
  return { outcome: 'decided' };
}

/** PutEvents can fail per entry without throwing; an entry the bus did not take is a failure too. */
async function publishDecision(events: EventsLike, bus: string, decision: ApprovalDecision): Promise<void> {
  const answer = await events.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: bus,
          Source: EVENT_SOURCE,
          DetailType: DETAIL_TYPE.approvalDecision,
          Detail: JSON.stringify(decision),
        },
      ],
    }),
  );
  if (answer.FailedEntryCount) {
    throw new Error(`PutEvents to ${bus} refused the decision: ${answer.Entries?.[0]?.ErrorCode ?? 'unknown error'}`);
  }
}

/**
 * The decision reached nobody, so it must not stand: back to pending, the approver may submit again. A failure
 * here leaves a decided record that never resumed the workflow, which the task's timeout ends, so it is logged
 * for an operator rather than hidden.
 */
async function takeBack(dynamo: DocumentClient, table: string, decision: ApprovalDecision): Promise<void> {
  try {
    await undecide(dynamo, table, decision);
  } catch (error) {
    logger.error('decision recorded but neither published nor taken back', {
      approvalId: decision.approvalId,
      error: error as Error,
    });
  }
}
