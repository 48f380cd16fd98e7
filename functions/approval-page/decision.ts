// Deciding an approval, whoever decides it (the page's form, or `crossdeploy approve` at a terminal): the
// record moves out of `pending` exactly once, then the decision goes on the bus for resume-approval.

import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type ApprovalDecision, DETAIL_TYPE, type Decision, EVENT_SOURCE } from '../../core/pipeline-types';
import { logger } from '../lib/powertools';
import type { ApprovalRecord } from '../request-approval';

export interface DocumentClientLike {
  send: DynamoDBDocumentClient['send'];
}
export interface EventsLike {
  send(command: PutEventsCommand): Promise<{ FailedEntryCount?: number; Entries?: { ErrorCode?: string }[] }>;
}

export type DecisionOutcome =
  | { outcome: 'decided' }
  | { outcome: 'not-found' }
  | { outcome: 'closed'; record: ApprovalRecord }
  | { outcome: 'unpublished' };

/** Records the decision and publishes it; a decision the bus refused is taken back, so nothing is lost. */
export async function decideApproval(
  clients: { dynamo: DocumentClientLike; events: EventsLike },
  where: { table: string; bus: string },
  decision: ApprovalDecision,
): Promise<DecisionOutcome> {
  const { dynamo, events } = clients;
  if (!(await recordDecision(dynamo, where.table, decision))) {
    const current = await loadApproval(dynamo, where.table, decision.approvalId);
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

export async function loadApproval(
  dynamo: DocumentClientLike,
  table: string,
  approvalId: string,
): Promise<ApprovalRecord | undefined> {
  const { Item } = await dynamo.send(new GetCommand({ TableName: table, Key: { approvalId }, ConsistentRead: true }));
  return Item as ApprovalRecord | undefined;
}

/** pending → approved | rejected, once: false when another request decided (or superseded) it first. */
async function recordDecision(dynamo: DocumentClientLike, table: string, d: ApprovalDecision): Promise<boolean> {
  try {
    await dynamo.send(
      new UpdateCommand({
        TableName: table,
        Key: { approvalId: d.approvalId },
        UpdateExpression: 'SET #status = :decided, decidedBy = :approver, #comment = :comment, decidedAt = :at',
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status', '#comment': 'comment' },
        ExpressionAttributeValues: {
          ':decided': statusOf(d.decision),
          ':approver': d.approver,
          ':comment': d.comment,
          ':at': d.decidedAt,
          ':pending': 'pending',
        },
      }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
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
 * The decision reached nobody, so it must not stand: back to pending, the approver may submit again. Only this
 * request's decision is taken back (same decidedAt); a failure here leaves a decided record that never
 * resumed the workflow, which the task's timeout ends, so it is logged for an operator rather than hidden.
 */
async function takeBack(dynamo: DocumentClientLike, table: string, d: ApprovalDecision): Promise<void> {
  try {
    await dynamo.send(
      new UpdateCommand({
        TableName: table,
        Key: { approvalId: d.approvalId },
        UpdateExpression: 'SET #status = :pending REMOVE decidedBy, #comment, decidedAt',
        ConditionExpression: '#status = :decided AND decidedAt = :at',
        ExpressionAttributeNames: { '#status': 'status', '#comment': 'comment' },
        ExpressionAttributeValues: { ':pending': 'pending', ':decided': statusOf(d.decision), ':at': d.decidedAt },
      }),
    );
  } catch (error) {
    logger.error('decision recorded but neither published nor taken back', {
      approvalId: d.approvalId,
      error: error as Error,
    });
  }
}

function statusOf(decision: Decision): 'approved' | 'rejected' {
  return decision === 'approve' ? 'approved' : 'rejected';
}
