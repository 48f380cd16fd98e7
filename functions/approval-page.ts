// `GET` and `POST /approvals/{id}`: the page an approval link opens, and the decision its form posts.
// GET only shows: e-mail security scanners open every link in a message, so opening one must decide nothing.
// POST decides once: a conditional write moves the record out of `pending`, and only the request that made
// that write puts the decision on the bus, where a rule hands it to resume-approval.

import { z } from 'zod';
import { withEveryTarget } from '../aws/approval-targets';
import { getApproval } from '../aws/approvals';
import type { DocumentClient } from '../aws/lease';
import type { EventsLike } from '../aws/notice-events';
import { requiredSecret } from '../aws/secrets';
import { settings } from '../aws/settings';
import type { S3Store } from '../aws/wave-store';
import { verifyApprovalLink } from '../core/approval-link';
import type { ApprovalDecision } from '../core/pipeline-types';
import { decideApproval } from './approval-page/decision';
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
import { sharedDocumentClient, sharedEventsClient, sharedS3Client } from './lib/clients';
import {
  formFields,
  type HttpHandler,
  type HttpRequest,
  type HttpResponse,
  html as htmlResponse,
  httpHandler,
} from './lib/http';
import { logger } from './lib/powertools';

/** On every answer: nothing cached, nothing loaded, no framing, and the signed URL never leaks as a Referer. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

export interface ApprovalPageDeps {
  dynamo?: DocumentClient;
  events?: EventsLike;
  now?: () => Date;
  signingKey?: () => string | Promise<string>;
  approvalsTable?: () => string;
  eventBusName?: () => string;
  /** Where a large environment's full list of targets is kept (aws/approval-targets.ts). */
  s3?: S3Store;
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
    dynamo = sharedDocumentClient(),
    events = sharedEventsClient(),
    now = () => new Date(),
    signingKey = () => requiredSecret('CROSSDEPLOY_LINK_SIGNING_KEY_PARAM'),
    approvalsTable = settings.approvalsTable,
    eventBusName = settings.eventBusName,
    s3 = sharedS3Client(),
  } = deps;
  const method = request.requestContext?.http.method ?? 'GET';
  if (method !== 'GET' && method !== 'POST') return answer(405, methodNotAllowedPage(method), { allow: 'GET, POST' });

  const approvalId = request.pathParameters?.id ?? '';
  const expires = request.queryStringParameters?.expires;
  const signature = request.queryStringParameters?.signature;
  const verdict = verifyApprovalLink({ approvalId, expires, signature }, await signingKey(), now());
  if (verdict === 'tampered') {
    logger.warn('approval link refused: bad signature', { approvalId, method });
    return answer(403, tamperedPage());
  }
  if (verdict === 'expired') return answer(410, expiredPage(new Date(Number(expires) * 1000)));

  const table = approvalsTable();
  const record = await getApproval(dynamo, table, approvalId);
  if (!record) return answer(404, notFoundPage());
  if (record.status !== 'pending') return answer(409, closedPage(record));

  // Posting back to the link itself keeps the signature with the decision; the path is relative, so a stage
  // prefix in front of /approvals stays.
  const action = `?${new URLSearchParams({ expires: expires ?? '', signature: signature ?? '' })}`;
  const listed = () => withEveryTarget(s3, record.request);
  if (method === 'GET') return answer(200, approvalFormPage(await listed(), { action }));

  const fields = formFields(request);
  const form = decisionForm.safeParse({
    decision: fields.get('decision') ?? undefined,
    approver: fields.get('approver') ?? undefined,
    comment: fields.get('comment') ?? undefined,
  });
  if (!form.success) {
    const error = form.error.issues.map((issue) => issue.message).join(' ');
    const typed = { approver: fields.get('approver') ?? '', comment: fields.get('comment') ?? '' };
    return answer(400, approvalFormPage(await listed(), { action, error, ...typed }));
  }

  const decision: ApprovalDecision = {
    approvalId,
    decision: form.data.decision,
    approver: form.data.approver,
    comment: form.data.comment,
    decidedAt: now().toISOString(),
  };
  const result = await decideApproval({ dynamo, events }, { table, bus: eventBusName() }, decision);
  if (result.outcome === 'not-found') return answer(404, notFoundPage());
  if (result.outcome === 'unpublished') return answer(503, unavailablePage(), RETRY_SOON);
  if (result.outcome === 'closed') return answer(409, closedPage(result.record));
  return answer(200, decidedPage(record.request, decision.decision, decision.approver));
}

const RETRY_SOON = { 'retry-after': '5' };

function answer(statusCode: number, markup: string, headers: Record<string, string> = {}): HttpResponse {
  return htmlResponse(statusCode, markup, { ...PAGE_HEADERS, ...headers });
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
