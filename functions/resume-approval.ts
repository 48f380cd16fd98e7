// Target of the bus rule for `Approval Decision` events: hands the decision to the workflow waiting on the
// approval's task token. The token comes from the approvals table, never from the event, and only a decision
// the table recorded is handed on: an event alone (anyone allowed to PutEvents could write one) resumes nothing.

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { settings } from '../aws/settings';
import { awsCall } from '../aws/transient';
import { type ApprovalDecision, DETAIL_TYPE, EVENT_SOURCE } from '../core/pipeline-types';
import { eventHandler } from './lib/lambda-step';
import { logger } from './lib/powertools';
import { type ApprovalRecord, GONE_TOKEN_ERRORS } from './request-approval';

const decisionEvent = z.object({
  source: z.literal(EVENT_SOURCE),
  'detail-type': z.literal(DETAIL_TYPE.approvalDecision),
  detail: z.object({
    approvalId: z.string().min(1),
    decision: z.enum(['approve', 'reject']),
    approver: z.string().min(1),
    comment: z.string(),
    decidedAt: z.string().min(1),
  }),
});

export type ApprovalDecisionEvent = z.infer<typeof decisionEvent>;

/** The event names a decision the approvals table does not hold: forged, or a bug upstream. Never resumes. */
export class DecisionNotRecorded extends Error {
  override name = 'DecisionNotRecorded' as const;
}

export interface DocumentClientLike {
  send: DynamoDBDocumentClient['send'];
}
/** Step Functions as far as resuming goes; SFNClient is one, and so is a test's recorder. */
export interface SfnLike {
  send(command: SendTaskSuccessCommand): Promise<unknown>;
  send(command: SendTaskFailureCommand): Promise<unknown>;
}

export interface ResumeApprovalDeps {
  dynamo?: DocumentClientLike;
  sfn?: SfnLike;
  approvalsTable?: () => string;
}

export interface ResumeOutcome {
  approvalId: string;
  /** False when the execution had stopped waiting (timed out, aborted, already resumed). */
  resumed: boolean;
}

/** SendTaskFailure's limits: `error` up to 256 characters, `cause` up to 32,768. */
const CAUSE_MAX_CHARS = 32_768;

export async function resumeApproval(
  event: ApprovalDecisionEvent,
  deps: ResumeApprovalDeps = {},
): Promise<ResumeOutcome> {
  const { dynamo = defaultDynamo(), approvalsTable = settings.approvalsTable } = deps;
  const sfn: SfnLike = deps.sfn ?? defaultSfn();
  const decision = event.detail;
  const { approvalId } = decision;
  const table = approvalsTable();
  const { Item } = await awsCall(`dynamodb:GetItem ${table}`, () =>
    dynamo.send(new GetCommand({ TableName: table, Key: { approvalId }, ConsistentRead: true })),
  );
  const record = Item as ApprovalRecord | undefined;
  if (!record) throw new DecisionNotRecorded(`approval ${approvalId} does not exist`);
  if (!matches(record, decision)) {
    throw new DecisionNotRecorded(
      `approval ${approvalId} is ${record.status}` +
        (record.decidedBy ? ` by ${record.decidedBy} at ${record.decidedAt}` : '') +
        `, but the event says ${decision.decision} by ${decision.approver} at ${decision.decidedAt}`,
    );
  }

  const { taskToken } = record;
  try {
    if (decision.decision === 'approve') {
      const output = JSON.stringify({
        approved: true,
        approver: decision.approver,
        comment: decision.comment,
        decidedAt: decision.decidedAt,
      });
      await awsCall('states:SendTaskSuccess', () => sfn.send(new SendTaskSuccessCommand({ taskToken, output })));
    } else {
      const cause = rejectionCause(decision).slice(0, CAUSE_MAX_CHARS);
      await awsCall('states:SendTaskFailure', () =>
        sfn.send(new SendTaskFailureCommand({ taskToken, error: 'ApprovalRejected', cause })),
      );
    }
  } catch (error) {
    if (!GONE_TOKEN_ERRORS.has((error as Error).name)) throw error;
    // Throwing would only make Lambda retry a call that can never succeed; the execution is over anyway.
    logger.warn('approval decided, but its execution no longer waits', {
      approvalId,
      executionArn: record.executionArn,
      error: error as Error,
    });
    return { approvalId, resumed: false };
  }
  logger.info('workflow resumed', { approvalId, executionArn: record.executionArn, decision: decision.decision });
  return { approvalId, resumed: true };
}

/** `rejected by <approver>: <comment>`, without a dangling colon when there is no comment. */
export function rejectionCause(decision: ApprovalDecision): string {
  return decision.comment
    ? `rejected by ${decision.approver}: ${decision.comment}`
    : `rejected by ${decision.approver}`;
}

function matches(record: ApprovalRecord, d: ApprovalDecision): boolean {
  const status = d.decision === 'approve' ? 'approved' : 'rejected';
  return (
    record.status === status &&
    record.decidedBy === d.approver &&
    (record.comment ?? '') === d.comment &&
    record.decidedAt === d.decidedAt
  );
}

// One client per warm Lambda, created on first use so importing this module costs nothing.
let sharedDynamo: DocumentClientLike | undefined;
let sharedSfn: SFNClient | undefined;
function defaultDynamo(): DocumentClientLike {
  sharedDynamo ??= DynamoDBDocumentClient.from(new DynamoDBClient({}));
  return sharedDynamo;
}
function defaultSfn(): SFNClient {
  sharedSfn ??= new SFNClient({});
  return sharedSfn;
}

export const handler = eventHandler('resume-approval', decisionEvent, (event) => resumeApproval(event));
