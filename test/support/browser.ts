// Support for the approval tests, handler and browser alike: the approval flow's AWS resources in moto, an
// HTTP API event built from a URL (the same adapter serves the page to Chromium on loopback), a Step Functions
// recorder, and Chromium itself.

import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type Browser, chromium } from 'playwright-core';
import { afterEach, beforeEach } from 'vitest';
import type { ApprovalRecord } from '../../aws/approvals';
import { RULES } from '../../aws/event-rules';
import { settings } from '../../aws/settings';
import { approvalsTable } from '../../aws/tables';
import { forgetTargetSessions, targetClientFactory } from '../../aws/target-clients';
import { storeWaves } from '../../aws/wave-store';
import type { DeployTarget } from '../../core/contracts';
import type { ApprovalDecision } from '../../core/pipeline-types';
import type { ApprovalPageDeps } from '../../functions/approval-page';
import { sharedS3Client } from '../../functions/lib/clients';
import type { HttpRequest, HttpResponse } from '../../functions/lib/http';
import type { RequestApprovalDeps, RequestApprovalInput } from '../../functions/request-approval';
import type { ResumeApprovalDeps } from '../../functions/resume-approval';
import { createArtifactsBucket } from '../../local/orchestrator';
import { sentToTopic, useBusQueue } from './notices';
import { environmentDeployment, IMAGE, ORCHESTRATOR } from './workflows';

export const SIGNING_KEY = 'test-link-signing-key-5d41402abc4b2a76b9719d911017c592';
export const PUBLIC_URL = 'https://deploy.example.com';
export const TOPIC = 'prod-approvals';
export const TOPIC_ARN = `arn:aws:sns:${ORCHESTRATOR.region}:${ORCHESTRATOR.account}:${TOPIC}`;
/** When every approval in these tests is requested; links last an hour. */
export const REQUESTED_AT = new Date('2030-01-02T03:04:05Z');
export const TIMEOUT_SECONDS = 3600;
export const COMMIT = '3f2a9c1'.padEnd(40, '0');

/** A clock that stands still until a test moves it. */
export function clock(start: Date = REQUESTED_AT): {
  now: () => Date;
  set(to: Date): void;
  advance(seconds: number): void;
} {
  let current = start;
  return {
    now: () => current,
    set: (to) => {
      current = to;
    },
    advance: (seconds) => {
      current = new Date(current.getTime() + seconds * 1000);
    },
  };
}

/** The gate's input for commit `commit` of `web` to `prod`, deploying to `targets` in one wave stored in S3. */
export async function approvalInput(
  targets: DeployTarget[],
  overrides: Partial<RequestApprovalInput> & { concurrency?: 'superseded' | 'queued' } = {},
): Promise<RequestApprovalInput> {
  const { concurrency = 'superseded', ...rest } = overrides;
  const { deployment, waves } = environmentDeployment([{ targets }]);
  const { image: _image, context: _context, ...withoutImage } = deployment;
  const stored = await storeWaves(sharedS3Client(), settings.artifactsBucket(), deployment.deploymentId, waves);
  const plan = { targetKind: 'ecs-service' as const, deployment: withoutImage, waves: stored };
  return {
    taskToken: 'task-token-of-pipeline-1',
    pipelineId: 'web-3f2a9c1',
    serviceName: 'web',
    environment: 'prod',
    commit: COMMIT,
    author: 'Ada Lovelace <ada@example.com>',
    message: 'Speed up the checkout page\n\nCaches the cart for 30 seconds.',
    image: IMAGE,
    stage: { environment: 'prod', approval: { topic: TOPIC, timeoutSeconds: TIMEOUT_SECONDS }, concurrency, plan },
    executionArn: `arn:aws:states:us-east-1:${ORCHESTRATOR.account}:execution:crossdeploy-pipeline:web-3f2a9c1`,
    kind: 'deploy',
    ...rest,
  };
}

export interface SentToStepFunctions {
  command: 'SendTaskSuccess' | 'SendTaskFailure';
  input: Record<string, unknown>;
}

/**
 * A RECORDER standing in for Step Functions, which moto cannot provide: it records the input of every
 * SendTaskSuccess/SendTaskFailure and answers `{}`, or throws what `refuse` returns for a command.
 */
export function stepFunctionsRecorder(refuse: (sent: SentToStepFunctions) => Error | undefined = () => undefined) {
  const sent: SentToStepFunctions[] = [];
  const sfn = {
    async send(command: SendTaskSuccessCommand | SendTaskFailureCommand): Promise<object> {
      const name = command.constructor.name.replace(/Command$/, '') as SentToStepFunctions['command'];
      const entry = { command: name, input: structuredClone(command.input) as unknown as Record<string, unknown> };
      sent.push(entry);
      const refusal = refuse(entry);
      if (refusal) throw refusal;
      return {};
    },
  };
  return { sfn, sent };
}

export interface ApprovalAws {
  dynamo: DynamoDBDocumentClient;
  sns: SNSClient;
  events: EventBridgeClient;
  /** What each handler needs, pointed at this test's clients, the fixed key and `clock`. */
  requestDeps(overrides?: RequestApprovalDeps): RequestApprovalDeps;
  pageDeps(overrides?: ApprovalPageDeps): ApprovalPageDeps;
  resumeDeps(overrides?: ResumeApprovalDeps): ResumeApprovalDeps;
  record(approvalId: string): Promise<ApprovalRecord | undefined>;
  /** Every `Approval Decision` event the bus rule delivered so far (taken off the queue). */
  deliveredDecisions(): Promise<{ source: string; 'detail-type': string; detail: ApprovalDecision }[]>;
  /** Every message published to the approvals topic, as moto recorded it. */
  publishedApprovals(): Promise<{ subject: string; message: string }[]>;
}

/**
 * Before each test (after useMoto's reset): the approvals table, the `prod-approvals` topic, the bus
 * `crossdeploy` and a rule sending `Approval Decision` events to a queue, all in the tools account.
 */
export function useApprovalAws(motoEndpoint: () => string, time = clock()): () => ApprovalAws {
  let aws: ApprovalAws | undefined;
  let destroy: () => void = () => undefined;
  // Registered first, so its beforeEach (the bus, the rule and its queue) runs before the one below.
  const decisions = useBusQueue(RULES.approvalDecisions, 'approval-decisions');

  beforeEach(async () => {
    forgetTargetSessions();
    time.set(REQUESTED_AT);
    const region = ORCHESTRATOR.region;
    const ddb = new DynamoDBClient({ region });
    const dynamo = DynamoDBDocumentClient.from(ddb);
    const sns = new SNSClient({ region });
    const { events } = decisions();
    destroy = () => {
      for (const client of [dynamo, ddb, sns]) client.destroy();
    };

    await ddb.send(new CreateTableCommand(approvalsTable(settings.approvalsTable())));
    await createArtifactsBucket(region);
    await sns.send(new CreateTopicCommand({ Name: TOPIC }));

    aws = {
      dynamo,
      sns,
      events,
      requestDeps: (overrides = {}) => ({
        dynamo,
        sns,
        events,
        sfn: stepFunctionsRecorder().sfn,
        // Options make the factory build fresh clients: the shared ones would hold a reset moto's credentials.
        clients: targetClientFactory({ sessionName: 'crossdeploy-test' }),
        now: time.now,
        signingKey: () => SIGNING_KEY,
        publicUrl: () => PUBLIC_URL,
        ...overrides,
      }),
      pageDeps: (overrides = {}) => ({ dynamo, events, now: time.now, signingKey: () => SIGNING_KEY, ...overrides }),
      resumeDeps: (overrides = {}) => ({ dynamo, ...overrides }),
      async record(approvalId) {
        const { Item } = await dynamo.send(
          new GetCommand({ TableName: settings.approvalsTable(), Key: { approvalId }, ConsistentRead: true }),
        );
        return Item as ApprovalRecord | undefined;
      },
      deliveredDecisions: () => decisions().received<ApprovalDecision>(),
      async publishedApprovals() {
        const sent = await sentToTopic(motoEndpoint(), TOPIC_ARN);
        return sent.map(({ subject, message }) => ({ subject, message }));
      },
    };
  });
  afterEach(() => destroy());

  return () => {
    if (!aws) throw new Error('useApprovalAws(): use it inside tests');
    return aws;
  };
}

/**
 * The HTTP API (payload 2.0) event for one request to `url`, routed like the stack's `/approvals/{id}` route.
 * Bodies arrive base64-encoded, as API Gateway sends form posts.
 */
export function apiGatewayEvent(
  method: string,
  url: string,
  body?: string,
  headers: Record<string, string> = {},
): APIGatewayProxyEventV2 {
  const parsed = new URL(url, 'http://127.0.0.1');
  const id = /^\/approvals\/([^/]+)$/.exec(parsed.pathname)?.[1];
  const query = Object.fromEntries(parsed.searchParams);
  const withBody = body !== undefined;
  return {
    version: '2.0',
    routeKey: id === undefined ? '$default' : `${method} /approvals/{id}`,
    rawPath: parsed.pathname,
    rawQueryString: parsed.search.slice(1),
    headers: {
      ...(withBody ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    },
    ...(parsed.search ? { queryStringParameters: query } : {}),
    ...(id === undefined ? {} : { pathParameters: { id: decodeURIComponent(id) } }),
    requestContext: {
      accountId: ORCHESTRATOR.account,
      apiId: 'local',
      domainName: parsed.host,
      domainPrefix: parsed.hostname.split('.')[0] ?? '',
      http: { method, path: parsed.pathname, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'request-1',
      routeKey: id === undefined ? '$default' : `${method} /approvals/{id}`,
      stage: '$default',
      time: '02/Jan/2030:03:04:05 +0000',
      timeEpoch: 1_893_553_445_000,
    },
    ...(withBody ? { body: Buffer.from(body).toString('base64'), isBase64Encoded: true } : { isBase64Encoded: false }),
  };
}

/** Serves `respond` on a loopback port, turning each node request into an HTTP API event. */
export async function serveOnLoopback(
  respond: (request: HttpRequest) => Promise<HttpResponse>,
): Promise<{ origin: string; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      const event = apiGatewayEvent(
        req.method ?? 'GET',
        req.url ?? '/',
        body.length > 0 || req.method === 'POST' ? body : undefined,
        Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
      );
      const answer = await respond(event);
      res.writeHead(answer.statusCode, answer.headers).end(answer.body);
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String((error as Error).stack));
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('loopback server has no port');
  return {
    origin: `http://127.0.0.1:${address.port}`,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export const CHROMIUM = '/usr/bin/chromium';

/** Headless Chromium from Debian's package; its absence fails the test with the fix, it never skips it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: run \`apt-get update && apt-get install -y chromium\``);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}
