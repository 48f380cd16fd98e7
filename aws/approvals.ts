// The approvals table (aws/tables.ts) as every part of the approval gate reads and writes it: the request, the
// approval page, the step that resumes the workflow, and the local console. Each approval parks one task token.

import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type ApprovalFacts, decidedStatus, supersessionCause, toSupersede } from '../core/approval';
import type { ApprovalDecision, ApprovalRequest } from '../core/pipeline-types';
import type { DocumentClient } from './lease';
import {
  everyPendingToken,
  type Handover,
  parkToken,
  pendingTokens,
  readToken,
  sendFailure,
  type TaskTokenSfn,
  type TokenTable,
  takeToken,
} from './task-tokens';
import { awsCall } from './transient';

/** Who replaced a superseded approval. */
export interface Replacement {
  approvalId: string;
  commit: string;
  pipelineId: string;
}

/** One item of the approvals table. */
export interface ApprovalRecord extends ApprovalFacts {
  /** `<service>#<environment>`, the key of the `byServiceEnvironment` index. */
  serviceEnvironment: string;
  request: ApprovalRequest;
  pipelineId: string;
  executionArn: string;
  /** Epoch seconds: DynamoDB's TTL removes the item after the link expired. */
  expiresAt: number;
  /** Set with status superseded: the approval that replaced this one. */
  supersededBy?: Replacement;
}

const approvals = (table: string): TokenTable => ({
  name: table,
  key: 'approvalId',
  bySubject: { index: 'byServiceEnvironment', attribute: 'serviceEnvironment' },
});

/**
 * Stores a new pending approval of `request`, holding the waiting task's token, and returns it as stored. The
 * record expires with the request's link (DynamoDB's TTL reads epoch seconds).
 */
export async function putApproval(
  db: DocumentClient,
  table: string,
  wait: { request: ApprovalRequest; taskToken: string; executionArn: string; createdAt: Date },
): Promise<ApprovalRecord> {
  const { request } = wait;
  const record: ApprovalRecord = {
    approvalId: request.approvalId,
    serviceEnvironment: serviceEnvironment(request.serviceName, request.environment),
    status: 'pending',
    taskToken: wait.taskToken,
    request,
    pipelineId: request.pipelineId,
    executionArn: wait.executionArn,
    expiresAt: Math.floor(Date.parse(request.expiresAt) / 1000),
    createdAt: wait.createdAt.toISOString(),
  };
  await parkToken(db, approvals(table), record);
  return record;
}

/** The subject within which a newer approval supersedes older ones. */
function serviceEnvironment(serviceName: string, environment: string): string {
  return `${serviceName}#${environment}`;
}

/** The approvals still pending for one `serviceEnvironment`. */
function pendingFor(db: DocumentClient, table: string, subject: string): Promise<ApprovalRecord[]> {
  return pendingTokens<ApprovalRecord>(db, approvals(table), subject);
}

/** Every approval still pending, expired ones included (TTL removes those eventually). */
export function everyPending(db: DocumentClient, table: string): Promise<ApprovalRecord[]> {
  return everyPendingToken<ApprovalRecord>(db, approvals(table));
}

export function getApproval(
  db: DocumentClient,
  table: string,
  approvalId: string,
): Promise<ApprovalRecord | undefined> {
  return readToken<ApprovalRecord>(db, approvals(table), approvalId);
}

/**
 * Supersedes every older approval still pending for mine's service and environment (core/approval.ts says
 * which) and fails their workflows' tasks: their commits will never ship. Each status flips first, and only if
 * still pending, so a decision that lands at the same moment either wins (and that deployment proceeds) or
 * sees "superseded". Yields each approval it superseded, once its workflow was told.
 */
export async function* supersedeOlder(
  clients: { dynamo: DocumentClient; sfn: TaskTokenSfn },
  table: string,
  mine: ApprovalRecord,
): AsyncGenerator<{ approvalId: string; told: Handover }> {
  const { dynamo, sfn } = clients;
  const by: Replacement = { approvalId: mine.approvalId, commit: mine.request.commit, pipelineId: mine.pipelineId };
  for (const { approval, failTask } of toSupersede(mine, await pendingFor(dynamo, table, mine.serviceEnvironment))) {
    const taken = await takeToken(dynamo, approvals(table), { approvalId: approval.approvalId }, 'superseded', {
      supersededBy: by,
    });
    if (!taken || !failTask) continue;
    yield {
      approvalId: approval.approvalId,
      told: await sendFailure(sfn, approval.taskToken, 'Superseded', supersessionCause(by)),
    };
  }
}

/** pending → approved | rejected, once: false when another request decided (or superseded) it first. */
export function decide(db: DocumentClient, table: string, decision: ApprovalDecision): Promise<boolean> {
  return takeToken(db, approvals(table), { approvalId: decision.approvalId }, decidedStatus(decision.decision), {
    decidedBy: decision.approver,
    comment: decision.comment,
    decidedAt: decision.decidedAt,
  });
}

/**
 * Back to pending, so the approver may decide again. Only this decision is taken back (same decidedAt): one
 * that replaced it in the meantime stands, and this fails with ConditionalCheckFailedException.
 */
export async function undecide(db: DocumentClient, table: string, decision: ApprovalDecision): Promise<void> {
  await awsCall(`dynamodb:UpdateItem ${table}`, () =>
    db.send(
      new UpdateCommand({
        TableName: table,
        Key: { approvalId: decision.approvalId },
        UpdateExpression: 'SET #status = :pending REMOVE decidedBy, #comment, decidedAt',
        ConditionExpression: '#status = :decided AND decidedAt = :at',
        ExpressionAttributeNames: { '#status': 'status', '#comment': 'comment' },
        ExpressionAttributeValues: {
          ':pending': 'pending',
          ':decided': decidedStatus(decision.decision),
          ':at': decision.decidedAt,
        },
      }),
    ),
  );
}
