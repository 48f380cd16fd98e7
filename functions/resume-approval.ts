// Target of the bus rule for `Approval Decision` events: hands the decision to the workflow waiting on the
// approval's task token. The token comes from the approvals table, never from the event, and only a decision
// the table recorded is handed on: an event alone (anyone allowed to PutEvents could write one) resumes nothing.

import { z } from 'zod';
import { getApproval } from '../aws/approvals';
import type { DocumentClient } from '../aws/lease';
import { settings } from '../aws/settings';
import { sendFailure, sendSuccess, type TaskTokenSfn } from '../aws/task-tokens';
import { approvalOutput, matches, rejectionCause } from '../core/approval';
import { DETAIL_TYPE, EVENT_SOURCE } from '../core/pipeline-types';
import { sharedDocumentClient, sharedSfnClient } from './lib/clients';
import { eventHandler } from './lib/lambda-step';
import { logger } from './lib/powertools';

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

export interface ResumeApprovalDeps {
  dynamo?: DocumentClient;
  sfn?: TaskTokenSfn;
  approvalsTable?: () => string;
}

export interface ResumeOutcome {
  approvalId: string;
  /** False when the execution had stopped waiting (timed out, aborted, already resumed). */
  resumed: boolean;
}

export async function resumeApproval(
  event: ApprovalDecisionEvent,
  deps: ResumeApprovalDeps = {},
): Promise<ResumeOutcome> {
  const { dynamo = sharedDocumentClient(), sfn = sharedSfnClient(), approvalsTable = settings.approvalsTable } = deps;
  const decision = event.detail;
  const { approvalId } = decision;
  const record = await getApproval(dynamo, approvalsTable(), approvalId);
  if (!record) throw new DecisionNotRecorded(`approval ${approvalId} does not exist`);
  if (!matches(record, decision)) {
    throw new DecisionNotRecorded(
      `approval ${approvalId} is ${record.status}` +
        (record.decidedBy ? ` by ${record.decidedBy} at ${record.decidedAt}` : '') +
        `, but the event says ${decision.decision} by ${decision.approver} at ${decision.decidedAt}`,
    );
  }

  const told =
    decision.decision === 'approve'
      ? await sendSuccess(sfn, record.taskToken, approvalOutput(decision))
      : await sendFailure(sfn, record.taskToken, 'ApprovalRejected', rejectionCause(decision));
  const { executionArn } = record;
  if (!told.delivered) {
    logger.warn('approval decided, but its execution no longer waits', { approvalId, executionArn, error: told.gone });
    return { approvalId, resumed: false };
  }
  logger.info('workflow resumed', { approvalId, executionArn, decision: decision.decision });
  return { approvalId, resumed: true };
}

export const handler = eventHandler('resume-approval', decisionEvent, (event) => resumeApproval(event));
