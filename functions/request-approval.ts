import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SendTaskFailureCommand, SFNClient } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { mapBounded } from '../aws/bounded';
import { describeService } from '../aws/ecs-service';
import { type EventsLike, putNotice } from '../aws/notice-events';
import { requiredSecret } from '../aws/secrets';
import { settings } from '../aws/settings';
import { type TargetClientFactory, targetClientFactory } from '../aws/target-clients';
import { awsCall } from '../aws/transient';
import { signApprovalLink } from '../core/approval-link';
import { approvalMessage, shortCommit } from '../core/approval-message';
import { executionLink } from '../core/console-link';
import type { DeployRole, DeployTarget } from '../core/contracts';
import { imageRef } from '../core/contracts';
import { buildNotice } from '../core/notification';
import { arnIn } from '../core/partition';
import { type ApprovalRequest, pipelineStage } from '../core/pipeline-types';
import { revisionOf } from '../core/status';
import { lambdaStep } from './lib/lambda-step';
import { logger } from './lib/powertools';

// The approval gate's `.waitForTaskToken` task: it stores the token, tells the approvers, and returns. The
// workflow waits until resume-approval hands the token back with the decision (or the task times out).

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'superseded';

/** One item of the approvals table (`aws/tables.ts`). */
export interface ApprovalRecord {
  approvalId: string;
  /** `<service>#<environment>`, the key of the `byServiceEnvironment` index. */
  serviceEnvironment: string;
  status: ApprovalStatus;
  taskToken: string;
  request: ApprovalRequest;
  pipelineId: string;
  executionArn: string;
  /** Epoch seconds: DynamoDB's TTL removes the item after the link expired. */
  expiresAt: number;
  createdAt: string;
  /** Set with status approved or rejected. */
  decidedBy?: string;
  comment?: string;
  decidedAt?: string;
  /** Set with status superseded: the approval that replaced this one. */
  supersededBy?: { approvalId: string; commit: string; pipelineId: string };
}

const BY_SERVICE_ENVIRONMENT = 'byServiceEnvironment';

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
  kind: z.enum(['deploy', 'rollback']),
});

export type RequestApprovalInput = z.infer<typeof input>;

export interface RequestApprovalOutput {
  approvalId: string;
  link: string;
}

export interface DocumentClientLike {
  send: DynamoDBDocumentClient['send'];
}
export interface SnsLike {
  send(command: PublishCommand): Promise<unknown>;
}
export interface SfnLike {
  send(command: SendTaskFailureCommand): Promise<unknown>;
}

export interface RequestApprovalDeps {
  dynamo?: DocumentClientLike;
  /** Defaults to a client in the orchestrator's region, where the topic lives. */
  sns?: SnsLike;
  sfn?: SfnLike;
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

/** Step Functions' answers for a token whose execution no longer waits: nothing left to fail. */
export const GONE_TOKEN_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

// Reading 100 targets one by one would take seconds; all at once would trip STS and ECS throttling.
const READ_CONCURRENCY = 10;

export async function requestApproval(
  event: RequestApprovalInput,
  deps: RequestApprovalDeps = {},
): Promise<RequestApprovalOutput> {
  const {
    dynamo = defaultDynamo(),
    sns = defaultSns(event.stage.plan.deployment.orchestrator.region),
    sfn = defaultSfn(),
    events = defaultEvents(),
    clients = targetClientFactory(),
    now = () => new Date(),
    newId = randomUUID,
    signingKey = () => requiredSecret('CROSSDEPLOY_LINK_SIGNING_KEY_PARAM'),
    publicUrl = settings.publicUrl,
    approvalsTable = settings.approvalsTable,
    eventBusName = settings.eventBusName,
    consoleUrl = settings.consoleUrl,
  } = deps;
  const { stage } = event;
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
  const record: ApprovalRecord = {
    approvalId,
    serviceEnvironment: serviceEnvironment(event.serviceName, event.environment),
    status: 'pending',
    taskToken: event.taskToken,
    request,
    pipelineId: event.pipelineId,
    executionArn: event.executionArn,
    expiresAt: Math.floor(expiresAt.getTime() / 1000),
    createdAt: createdAt.toISOString(),
  };
  await awsCall(`dynamodb:PutItem ${table}`, () =>
    dynamo.send(
      new PutCommand({ TableName: table, Item: record, ConditionExpression: 'attribute_not_exists(approvalId)' }),
    ),
  );
  logger.info('approval requested', { approvalId, pipelineId: event.pipelineId, environment: event.environment });

  if (stage.concurrency === 'superseded') await supersedeOlder(record, { dynamo, sfn, table });

  const link = signApprovalLink(baseUrl, approvalId, expiresAt, key);
  const { subject, body } = approvalMessage(request, link);
  const { account, region } = stage.plan.deployment.orchestrator;
  const topicArn = arnIn(region, 'sns', account, stage.approval.topic);
  await awsCall(`sns:Publish ${topicArn}`, () =>
    sns.send(new PublishCommand({ TopicArn: topicArn, Subject: subject, Message: body })),
  );
  await announceWaiting(events, eventBusName(), {
    event,
    approval: { approvalId, topic: stage.approval.topic, expiresAt: request.expiresAt },
    consoleLink: executionLink(event.executionArn, consoleUrl()),
    at: createdAt,
  });
  return { approvalId, link };
}

/**
 * Tells the bus the deployment waits for an approver. Best effort: the approvers have their e-mail by now,
 * and failing the step would make the workflow's Retry request the approval (and e-mail them) once more.
 */
async function announceWaiting(
  events: EventsLike,
  bus: string,
  facts: {
    event: RequestApprovalInput;
    approval: { approvalId: string; topic: string; expiresAt: string };
    consoleLink: string;
    at: Date;
  },
): Promise<void> {
  const { event, approval } = facts;
  const notice = buildNotice({
    event: 'approval-waiting',
    pipelineId: event.pipelineId,
    executionArn: event.executionArn,
    consoleLink: facts.consoleLink,
    serviceName: event.serviceName,
    environment: event.environment,
    commit: event.commit,
    kind: event.kind,
    failure: null,
    approval,
    at: facts.at,
  });
  try {
    await putNotice(events, bus, notice);
  } catch (error) {
    logger.warn('approval requested, but its notice did not reach the bus', {
      approvalId: approval.approvalId,
      error: error as Error,
    });
  }
}

function serviceEnvironment(serviceName: string, environment: string): string {
  return `${serviceName}#${environment}`;
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

/**
 * Fails every older approval still pending for the same service and environment: their commits will never
 * ship, and their workflows should stop waiting. The status flips first (conditionally), so a decision that
 * lands at the same moment either wins (and the older deployment proceeds) or sees "superseded".
 */
async function supersedeOlder(
  mine: ApprovalRecord,
  { dynamo, sfn, table }: { dynamo: DocumentClientLike; sfn: SfnLike; table: string },
): Promise<void> {
  const replacement = { approvalId: mine.approvalId, commit: mine.request.commit, pipelineId: mine.pipelineId };
  for (const older of await pendingFor(dynamo, table, mine.serviceEnvironment)) {
    if (older.approvalId === mine.approvalId || !isOlder(older, mine)) continue;
    const flipped = await setStatusIfPending(dynamo, table, older.approvalId, replacement);
    // A retried attempt of this very task left a record with this task's own token: retire it, fail nothing.
    if (!flipped || older.taskToken === mine.taskToken) continue;
    const cause = `superseded by ${shortCommit(mine.request.commit)} (${mine.pipelineId})`;
    try {
      await sfn.send(new SendTaskFailureCommand({ taskToken: older.taskToken, error: 'Superseded', cause }));
      logger.info('approval superseded', { approvalId: older.approvalId, by: mine.approvalId });
    } catch (error) {
      if (!GONE_TOKEN_ERRORS.has((error as Error).name)) throw error;
      logger.info('superseded approval had no waiting execution', { approvalId: older.approvalId, error });
    }
  }
}

/** Created earlier; the id breaks ties so two approvals never supersede each other. */
function isOlder(a: ApprovalRecord, b: ApprovalRecord): boolean {
  return a.createdAt === b.createdAt ? a.approvalId < b.approvalId : a.createdAt < b.createdAt;
}

async function pendingFor(dynamo: DocumentClientLike, table: string, key: string): Promise<ApprovalRecord[]> {
  const found: ApprovalRecord[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await awsCall(`dynamodb:Query ${table}/${BY_SERVICE_ENVIRONMENT}`, () =>
      dynamo.send(
        new QueryCommand({
          TableName: table,
          IndexName: BY_SERVICE_ENVIRONMENT,
          KeyConditionExpression: 'serviceEnvironment = :key',
          FilterExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':key': key, ':pending': 'pending' },
          ExclusiveStartKey: start,
        }),
      ),
    );
    found.push(...((page.Items ?? []) as ApprovalRecord[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return found;
}

/** pending → superseded; false when someone decided (or superseded) it first. */
async function setStatusIfPending(
  dynamo: DocumentClientLike,
  table: string,
  approvalId: string,
  supersededBy: NonNullable<ApprovalRecord['supersededBy']>,
): Promise<boolean> {
  try {
    await awsCall(`dynamodb:UpdateItem ${table}`, () =>
      dynamo.send(
        new UpdateCommand({
          TableName: table,
          Key: { approvalId },
          UpdateExpression: 'SET #status = :superseded, supersededBy = :by',
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':superseded': 'superseded', ':pending': 'pending', ':by': supersededBy },
        }),
      ),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

// One client per warm Lambda, created on first use so importing this module costs nothing.
let sharedDynamo: DocumentClientLike | undefined;
let sharedSfn: SFNClient | undefined;
let sharedEvents: EventBridgeClient | undefined;
const sharedSns = new Map<string, SNSClient>();
function defaultDynamo(): DocumentClientLike {
  sharedDynamo ??= DynamoDBDocumentClient.from(new DynamoDBClient({}));
  return sharedDynamo;
}
function defaultSfn(): SFNClient {
  sharedSfn ??= new SFNClient({});
  return sharedSfn;
}
function defaultEvents(): EventBridgeClient {
  sharedEvents ??= new EventBridgeClient({});
  return sharedEvents;
}
/** The topic lives in the orchestrator's region, whichever region this function runs in. */
function defaultSns(region: string): SNSClient {
  const client = sharedSns.get(region) ?? new SNSClient({ region });
  sharedSns.set(region, client);
  return client;
}

export const handler = lambdaStep('request-approval', input, (event) => requestApproval(event));
