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
import { describeStack } from '../aws/stacks';
import { type TargetClientFactory, targetClientFactory } from '../aws/target-clients';
import type { TaskTokenSfn } from '../aws/task-tokens';
import { awsCall } from '../aws/transient';
import { signApprovalLink } from '../core/approval-link';
import { approvalMessage, templateLabel } from '../core/approval-message';
import { executionLink } from '../core/console-link';
import { deploymentKind, imageRef } from '../core/contracts';
import { ServiceNotFound } from '../core/errors';
import { buildNotice } from '../core/notice';
import { arnIn } from '../core/partition';
import { type ApprovalRequest, pipelineStage, provisionStage } from '../core/pipeline-types';
import { stackRevisionOf } from '../core/stacks/revision';
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
// A service's stage or a provisioning's: the same gates, either kind of plan.
const stage = pipelineStage.extend({
  approval: pipelineStage.shape.approval.unwrap(),
  plan: z.discriminatedUnion('targetKind', [pipelineStage.shape.plan, provisionStage.shape.plan]),
});
type GatedStage = z.infer<typeof stage>;

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
    targets: await whatEachRuns(clients, stage),
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

/** Each target of the stage and what it runs now. */
async function whatEachRuns(clients: TargetClientFactory, stage: GatedStage): Promise<ApprovalRequest['targets']> {
  const { plan } = stage;
  const role = plan.deployment.deployRole;
  if (plan.targetKind === 'cloudformation-stack') {
    return readEach(
      plan.waves.flatMap((wave) => wave.targets),
      (t) => `stack ${t.stackName}`,
      async (t) => {
        const stack = await describeStack(clients(t, role).cloudformation, t);
        if (!stack) return 'no stack yet';
        const { template } = stackRevisionOf(stack);
        return template ? `${template.version} (${stack.status})` : `an untracked template (${stack.status})`;
      },
    );
  }
  const instance = plan.deployment.serviceInstance;
  return readEach(
    plan.waves.flatMap((wave) => wave.targets),
    (t) => `${t.cluster}/${t.service}`,
    async (t) => {
      try {
        const service = await describeService(clients(t, role).ecs, t);
        return revisionOf(service.taskDefinition ?? '') || 'no task definition';
      } catch (error) {
        // A service from a template does not exist before its first deploy, which creates it.
        if ((error as Error).name !== ServiceNotFound.errorName || !instance) throw error;
        return `no service yet: this deploy creates it from ${templateLabel(instance.template)}`;
      }
    },
  );
}

/** Reads what each target runs, a few at a time. */
function readEach<T extends { account: string; region: string }>(
  targets: T[],
  what: (target: T) => string,
  runs: (target: T) => Promise<string>,
): Promise<ApprovalRequest['targets']> {
  return mapBounded(targets, READ_CONCURRENCY, async (t) => ({
    account: t.account,
    region: t.region,
    what: what(t),
    runs: await readable(t, () => runs(t)),
  }));
}

/**
 * What a target runs, as `family:revision` or a template version. The approver decides with or without it, so a
 * target that cannot be read says why instead of failing the gate.
 */
async function readable(target: { account: string; region: string }, read: () => Promise<string>): Promise<string> {
  try {
    return await read();
  } catch (error) {
    const e = error as Error;
    logger.warn('cannot read what a target runs', { account: target.account, region: target.region, error: e });
    return `unknown (${e.name}: ${e.message})`;
  }
}

export const handler = lambdaStep('request-approval', input, (event) => requestApproval(event));
