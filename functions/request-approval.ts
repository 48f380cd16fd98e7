// The approval gate's `.waitForTaskToken` task: it stores the token, tells the approvers, and returns. The
// workflow waits until resume-approval hands the token back with the decision (or the task times out).

import { randomUUID } from 'node:crypto';
import { PublishCommand } from '@aws-sdk/client-sns';
import { z } from 'zod';
import { putApproval, supersedeOlder } from '../aws/approvals';
import { mapBounded } from '../aws/bounded';
import { describeService } from '../aws/ecs-service';
import type { DocumentClient } from '../aws/lease';
import { type EventsLike, putNotice } from '../aws/notice-events';
import { requiredSecret } from '../aws/secrets';
import { settings } from '../aws/settings';
import { type TargetClientFactory, targetClientFactory } from '../aws/target-clients';
import type { TaskTokenSfn } from '../aws/task-tokens';
import { awsCall } from '../aws/transient';
import { signApprovalLink } from '../core/approval-link';
import { approvalMessage } from '../core/approval-message';
import { executionLink } from '../core/console-link';
import { type DeployRole, type DeployTarget, deploymentKind, imageRef } from '../core/contracts';
import { buildNotice } from '../core/notice';
import { arnIn } from '../core/partition';
import { type ApprovalRequest, pipelineStage } from '../core/pipeline-types';
import { revisionOf } from '../core/status';
import {
  type SnsLike,
  sharedDocumentClient,
  sharedEventsClient,
  sharedSfnClient,
  sharedSnsClient,
} from './lib/clients';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

// The gate only runs for environments with an approval, so null here is a wiring bug worth failing on.
const stage = pipelineStage.extend({ approval: pipelineStage.shape.approval.unwrap() });

const input = z.object({
  taskToken: z.string().min(1),
  pipelineId: z.string().min(1),
  serviceName: z.string().min(1),
  environment: z.string().min(1),
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  author: z.string(),
  message: z.string(),
  image: imageRef,
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
  now?: () => Date;
  newId?: () => string;
  signingKey?: () => string | Promise<string>;
  publicUrl?: () => string;
  approvalsTable?: () => string;
  eventBusName?: () => string;
  consoleUrl?: () => string | undefined;
}

// Reading 100 targets one by one would take seconds; all at once would trip STS and ECS throttling.
const READ_CONCURRENCY = 10;

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
    now = () => new Date(),
    newId = randomUUID,
    signingKey = () => requiredSecret('CROSSDEPLOY_LINK_SIGNING_KEY_PARAM'),
    publicUrl = settings.publicUrl,
    approvalsTable = settings.approvalsTable,
    eventBusName = settings.eventBusName,
    consoleUrl = settings.consoleUrl,
  } = deps;
  const { stage, taskToken, executionArn } = event;
  // Read before anything is written: a configuration error here leaves no pending approval behind.
  const key = await signingKey();
  const baseUrl = publicUrl();
  const table = approvalsTable();

  const approvalId = newId();
  const createdAt = now();
  const expiresAt = new Date(createdAt.getTime() + stage.approval.timeoutSeconds * 1000);
  const targets = stage.plan.waves.flatMap((wave) => wave.targets);
  const request: ApprovalRequest = {
    approvalId,
    pipelineId: event.pipelineId,
    serviceName: event.serviceName,
    environment: event.environment,
    commit: event.commit,
    author: event.author,
    message: event.message,
    image: event.image,
    targets: await mapBounded(targets, READ_CONCURRENCY, async (t) => ({
      account: t.account,
      region: t.region,
      cluster: t.cluster,
      service: t.service,
      runs: await whatRuns(clients, t, stage.plan.deployment.deployRole),
    })),
    expiresAt: expiresAt.toISOString(),
  };
  const record = await putApproval(dynamo, table, { request, taskToken, executionArn, createdAt });
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

/**
 * What the target's service runs now, as `family:revision`. The approver decides with or without it, so a
 * target that cannot be read says why instead of failing the gate.
 */
async function whatRuns(clients: TargetClientFactory, target: DeployTarget, role: DeployRole): Promise<string> {
  try {
    const service = await describeService(clients(target, role).ecs, target);
    return revisionOf(service.taskDefinition ?? '') || 'no task definition';
  } catch (error) {
    const e = error as Error;
    logger.warn('cannot read what a target runs', { account: target.account, region: target.region, error: e });
    return `unknown (${e.name}: ${e.message})`;
  }
}

export const handler = lambdaStep('request-approval', input, (event) => requestApproval(event));
