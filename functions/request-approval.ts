// The approval gate's `.waitForTaskToken` task: it stores the token, tells the approvers, and returns. The
// workflow waits until resume-approval hands the token back with the decision (or the task times out).

import { randomUUID } from 'node:crypto';
import { PublishCommand } from '@aws-sdk/client-sns';
import { z } from 'zod';
import { requestToKeep, whatEachRuns } from '../aws/approval-targets';
import { putApproval, supersedeOlder } from '../aws/approvals';
import type { DocumentClient } from '../aws/lease';
import { type EventsLike, putNotice } from '../aws/notice-events';
import { requiredSecret } from '../aws/secrets';
import { settings } from '../aws/settings';
import { type TargetClientFactory, targetClientFactory } from '../aws/target-clients';
import type { TaskTokenSfn } from '../aws/task-tokens';
import { awsCall } from '../aws/transient';
import type { S3Store } from '../aws/wave-store';
import { signApprovalLink } from '../core/approval-link';
import { approvalMessage } from '../core/approval-message';
import { executionLink } from '../core/console-link';
import { deploymentKind, imageRef } from '../core/contracts';
import { buildNotice } from '../core/notice';
import { arnIn } from '../core/partition';
import { type ApprovalRequest, checkedStage } from '../core/pipeline-types';
import {
  type SnsLike,
  sharedDocumentClient,
  sharedEventsClient,
  sharedS3Client,
  sharedSfnClient,
  sharedSnsClient,
} from './lib/clients';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

// The gate only runs for environments with an approval, so null here is a wiring bug worth failing on.
// A service's stage or a provisioning's: the same gates, either kind of plan.
const stage = checkedStage.extend({ approval: checkedStage.shape.approval.unwrap() });

const input = z.object({
  taskToken: z.string().min(1),
  pipelineId: z.string().min(1),
  serviceName: z.string().min(1),
  environment: z.string().min(1),
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  author: z.string(),
  message: z.string(),
  /** Null for a provisioning, which ships the stage's template version. */
  image: imageRef.nullable(),
  stage,
  executionArn: z.string().min(1),
  /** A rollback waits at the same gate; the approver and the notice should say which it is. */
  kind: deploymentKind,
});

export type RequestApprovalInput = z.infer<typeof input>;

export interface RequestApprovalOutput {
  approvalId: string;
  link: string;
}

export interface RequestApprovalDeps {
  dynamo?: DocumentClient;
  /** Defaults to a client in the orchestrator's region, where the topic lives. */
  sns?: SnsLike;
  sfn?: TaskTokenSfn;
  /** Where the `Approval Waiting` notice goes: crossdeploy's bus. */
  events?: EventsLike;
  clients?: TargetClientFactory;
  /** Where the stage's waves are read, and a large stage's target list kept for the approval page. */
  s3?: S3Store;
  now?: () => Date;
  newId?: () => string;
  signingKey?: () => string | Promise<string>;
  publicUrl?: () => string;
  approvalsTable?: () => string;
  eventBusName?: () => string;
  consoleUrl?: () => string | undefined;
  ledgerTable?: () => string;
  artifactsBucket?: () => string;
}

export async function requestApproval(
  event: RequestApprovalInput,
  deps: RequestApprovalDeps = {},
): Promise<RequestApprovalOutput> {
  const {
    dynamo = sharedDocumentClient(),
    sns = sharedSnsClient(event.stage.plan.deployment.orchestrator.region),
    sfn = sharedSfnClient(),
    events = sharedEventsClient(),
    clients = targetClientFactory(),
    s3 = sharedS3Client(),
    now = () => new Date(),
    newId = randomUUID,
    signingKey = () => requiredSecret('CROSSDEPLOY_LINK_SIGNING_KEY_PARAM'),
    publicUrl = settings.publicUrl,
    approvalsTable = settings.approvalsTable,
    eventBusName = settings.eventBusName,
    consoleUrl = settings.consoleUrl,
    ledgerTable = settings.ledgerTable,
    artifactsBucket = settings.artifactsBucket,
  } = deps;
  const { stage, taskToken, executionArn } = event;
  // Read before anything is written: a configuration error here leaves no pending approval behind.
  const key = await signingKey();
  const baseUrl = publicUrl();
  const table = approvalsTable();

  const approvalId = newId();
  const createdAt = now();
  const expiresAt = new Date(createdAt.getTime() + stage.approval.timeoutSeconds * 1000);
  const request: ApprovalRequest = {
    approvalId,
    pipelineId: event.pipelineId,
    serviceName: event.serviceName,
    environment: event.environment,
    commit: event.commit,
    author: event.author,
    message: event.message,
    image: event.image,
    template: stage.plan.targetKind === 'cloudformation-stack' ? stage.plan.deployment.template : null,
    ...(await whatEachRuns(
      {
        s3,
        clients,
        ledger: { db: dynamo, table: ledgerTable() },
        unreadable: (target, error) => logger.warn('cannot read what a target runs', { ...target, error }),
      },
      stage,
    )),
    expiresAt: expiresAt.toISOString(),
  };
  const kept = await requestToKeep(
    s3,
    { bucket: artifactsBucket(), deploymentId: stage.plan.deployment.deploymentId },
    request,
  );
  const record = await putApproval(dynamo, table, { request: kept, taskToken, executionArn, createdAt });
  logger.info('approval requested', { approvalId, pipelineId: event.pipelineId, environment: event.environment });

  if (stage.concurrency === 'superseded') {
    for await (const { approvalId: older, told } of supersedeOlder({ dynamo, sfn }, table, record)) {
      if (told.delivered) logger.info('approval superseded', { approvalId: older, by: approvalId });
      else logger.info('superseded approval had no waiting execution', { approvalId: older, error: told.gone });
    }
  }

  const link = signApprovalLink(baseUrl, approvalId, expiresAt, key);
  const { subject, body } = approvalMessage(request, link);
  const { account, region } = stage.plan.deployment.orchestrator;
  const topicArn = arnIn(region, 'sns', account, stage.approval.topic);
  await awsCall(`sns:Publish ${topicArn}`, () =>
    sns.send(new PublishCommand({ TopicArn: topicArn, Subject: subject, Message: body })),
  );

  // Best effort: the approvers have their e-mail by now, and failing the step would make the workflow's Retry
  // request the approval (and e-mail them) once more.
  const notice = buildNotice({
    ...event,
    event: 'approval-waiting',
    consoleLink: executionLink(executionArn, consoleUrl()),
    failure: null,
    approval: { approvalId, topic: stage.approval.topic, expiresAt: request.expiresAt },
    at: createdAt,
  });
  await putNotice(events, eventBusName(), notice).catch((error: Error) =>
    logger.warn('approval requested, but its notice did not reach the bus', { approvalId, error }),
  );
  return { approvalId, link };
}

export const handler = lambdaStep('request-approval', input, (event) => requestApproval(event));
