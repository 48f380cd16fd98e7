// The approval gate's rules, apart from where approvals are kept (aws/approvals.ts): which pending approvals a
// new request supersedes, and whether a decision on the bus is the one the approvals table recorded.

import { shortCommit } from './approval-message';
import type { ApprovalDecision, Decision } from './pipeline-types';

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'superseded';

/** What these rules read of a stored approval. */
export interface ApprovalFacts {
  approvalId: string;
  createdAt: string;
  taskToken: string;
  status: ApprovalStatus;
  /** Set with status approved or rejected. */
  decidedBy?: string;
  comment?: string;
  decidedAt?: string;
}

/** Created earlier; the id breaks ties so two approvals never supersede each other. */
export function isOlder(
  a: Pick<ApprovalFacts, 'approvalId' | 'createdAt'>,
  b: Pick<ApprovalFacts, 'approvalId' | 'createdAt'>,
): boolean {
  return a.createdAt === b.createdAt ? a.approvalId < b.approvalId : a.createdAt < b.createdAt;
}

/**
 * The pending approvals `mine` supersedes: every older one, in the order given. Their commits will never ship,
 * so their workflows should stop waiting (`failTask`), except where an older record holds mine's own task token:
 * an earlier attempt of this very task left it, and failing that task would fail this one.
 */
export function toSupersede<T extends ApprovalFacts>(
  mine: T,
  pending: readonly T[],
): { approval: T; failTask: boolean }[] {
  return pending
    .filter((older) => older.approvalId !== mine.approvalId && isOlder(older, mine))
    .map((older) => ({ approval: older, failTask: older.taskToken !== mine.taskToken }));
}

/** The cause a superseded approval's workflow fails with. */
export function supersessionCause(by: { commit: string; pipelineId: string }): string {
  return `superseded by ${shortCommit(by.commit)} (${by.pipelineId})`;
}

export function decidedStatus(decision: Decision): 'approved' | 'rejected' {
  return decision === 'approve' ? 'approved' : 'rejected';
}

/**
 * Whether the record holds exactly the decision the event names. Anyone allowed to put events on the bus could
 * write a decision, so only one the table recorded may resume a workflow.
 */
export function matches(record: ApprovalFacts, decision: ApprovalDecision): boolean {
  return (
    record.status === decidedStatus(decision.decision) &&
    record.decidedBy === decision.approver &&
    (record.comment ?? '') === decision.comment &&
    record.decidedAt === decision.decidedAt
  );
}

/** What the gate's task returns on approval: the deployment records who approved it and why. */
export function approvalOutput(decision: ApprovalDecision) {
  return { approved: true, approver: decision.approver, comment: decision.comment, decidedAt: decision.decidedAt };
}

/** `rejected by <approver>: <comment>`, without a dangling colon when there is no comment. */
export function rejectionCause(decision: ApprovalDecision): string {
  return decision.comment
    ? `rejected by ${decision.approver}: ${decision.comment}`
    : `rejected by ${decision.approver}`;
}
