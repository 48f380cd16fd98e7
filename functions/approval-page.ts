// `GET` and `POST /approvals/{id}`: the page an approval link opens, and the decision its form posts.
// GET only shows: e-mail security scanners open every link in a message, so opening one must decide nothing.
// POST decides once: a conditional write moves the record out of `pending`, and only the request that made
// that write puts the decision on the bus, where a rule hands it to resume-approval.

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { settings } from '../aws/settings';
import { linkSigningKeyFromEnv, verifyApprovalLink } from '../core/approval-link';
import { type ApprovalDecision, DETAIL_TYPE, type Decision, EVENT_SOURCE } from '../core/pipeline-types';
import {
  approvalFormPage,
  closedPage,
  decidedPage,
  expiredPage,
  methodNotAllowedPage,
  notFoundPage,
  serverErrorPage,
  tamperedPage,
  unavailablePage,
} from './approval-page/pages';
import {
  formFields,
  type HttpHandler,
  type HttpRequest,
  type HttpResponse,
  html as htmlResponse,
  httpHandler,
} from './lib/http';
import { logger } from './lib/powertools';
import type { ApprovalRecord } from './request-approval';

/** On every answer: nothing cached, nothing loaded, no framing, and the signed URL never leaks as a Referer. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

export interface DocumentClientLike {
  send: DynamoDBDocumentClient['send'];
}
export interface EventsLike {
  send(command: PutEventsCommand): Promise<{ FailedEntryCount?: number; Entries?: { ErrorCode?: string }[] }>;
}

export interface ApprovalPageDeps {
  dynamo?: DocumentClientLike;
  events?: EventsLike;
  now?: () => Date;
  signingKey?: () => string;
  approvalsTable?: () => string;
  eventBusName?: () => string;
}

const decisionForm = z.object({
  decision: z.enum(['approve', 'reject'], { error: 'Choose Approve or Reject.' }),
  approver: z
    .string({ error: 'Enter your name or e-mail: it is recorded with the decision.' })
    .trim()
    .min(1, { error: 'Enter your name or e-mail: it is recorded with the decision.' })
    .max(200, { error: 'Your name or e-mail is longer than 200 characters.' }),
  comment: z.string().trim().max(2000, { error: 'The comment is longer than 2000 characters.' }).default(''),
});

export async function approvalPage(request: HttpRequest, deps: ApprovalPageDeps = {}): Promise<HttpResponse> {
  const {
    dynamo = defaultDynamo(),
    events = defaultEvents(),
    now = () => new Date(),
    signingKey = () => linkSigningKeyFromEnv(process.env),
    approvalsTable = settings.approvalsTable,
    eventBusName = settings.eventBusName,
  } = deps;
  const method = request.requestContext?.http.method ?? 'GET';
  if (method !== 'GET' && method !== 'POST') return answer(405, methodNotAllowedPage(method), { allow: 'GET, POST' });

  const approvalId = request.pathParameters?.id ?? '';
  const expires = request.queryStringParameters?.expires;
  const signature = request.queryStringParameters?.signature;
  const verdict = verifyApprovalLink({ approvalId, expires, signature }, signingKey(), now());
  if (verdict === 'tampered') {
    logger.warn('approval link refused: bad signature', { approvalId, method });
    return answer(403, tamperedPage());
  }
  if (verdict === 'expired') return answer(410, expiredPage(new Date(Number(expires) * 1000)));

  const table = approvalsTable();
  const record = await load(dynamo, table, approvalId);
  if (!record) return answer(404, notFoundPage());
  if (record.status !== 'pending') return answer(409, closedPage(record));

  // Posting back to the link itself keeps the signature with the decision; the path is relative, so a stage
  // prefix in front of /approvals stays.
  const action = `?${new URLSearchParams({ expires: expires ?? '', signature: signature ?? '' })}`;
  if (method === 'GET') return answer(200, approvalFormPage(record.request, { action }));

  const fields = formFields(request);
  const form = decisionForm.safeParse({
    decision: fields.get('decision') ?? undefined,
    approver: fields.get('approver') ?? undefined,
    comment: fields.get('comment') ?? undefined,
  });
  if (!form.success) {
    const error = form.error.issues.map((issue) => issue.message).join(' ');
    const typed = { approver: fields.get('approver') ?? '', comment: fields.get('comment') ?? '' };
    return answer(400, approvalFormPage(record.request, { action, error, ...typed }));
  }

  const decision: ApprovalDecision = {
    approvalId,
    decision: form.data.decision,
    approver: form.data.approver,
    comment: form.data.comment,
    decidedAt: now().toISOString(),
  };
  if (!(await recordDecision(dynamo, table, decision))) {
    const current = await load(dynamo, table, approvalId);
    if (!current) return answer(404, notFoundPage());
    // The request that won took its decision back (the bus refused it): this one may simply be sent again.
    if (current.status === 'pending') return answer(503, unavailablePage(), RETRY_SOON);
    return answer(409, closedPage(current));
  }
  try {
    await publishDecision(events, eventBusName(), decision);
  } catch (error) {
    logger.error('decision not published; taking it back', { approvalId, error: error as Error });
    await takeBack(dynamo, table, decision);
    return answer(503, unavailablePage(), RETRY_SOON);
  }
  logger.info('approval decided', { approvalId, decision: decision.decision, approver: decision.approver });
  return answer(200, decidedPage(record.request, decision.decision, decision.approver));
}

const RETRY_SOON = { 'retry-after': '5' };

async function load(
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

function answer(statusCode: number, markup: string, headers: Record<string, string> = {}): HttpResponse {
  return htmlResponse(statusCode, markup, { ...PAGE_HEADERS, ...headers });
}

// One client per warm Lambda, created on first use so importing this module costs nothing.
let sharedDynamo: DocumentClientLike | undefined;
let sharedEvents: EventBridgeClient | undefined;
function defaultDynamo(): DocumentClientLike {
  sharedDynamo ??= DynamoDBDocumentClient.from(new DynamoDBClient({}));
  return sharedDynamo;
}
function defaultEvents(): EventBridgeClient {
  sharedEvents ??= new EventBridgeClient({});
  return sharedEvents;
}

/** An approver gets a page, never the JSON 500 of `httpHandler`, even when something unexpected breaks. */
export const handler: HttpHandler = httpHandler('approval-page', async (request) => {
  try {
    return await approvalPage(request);
  } catch (error) {
    logger.error('approval page failed', error as Error);
    return answer(500, serverErrorPage());
  }
});
