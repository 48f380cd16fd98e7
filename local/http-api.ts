import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type ConsoleSources, consoleAnswer, localConsoleSources } from './console';
import { lambdaContext } from './lambda-context';
import type { ExecutionRecord, LocalStepFunctions } from './step-functions';

type Handler = (
  event: APIGatewayProxyEventV2,
  context: never,
) => Promise<{ statusCode: number; headers?: Record<string, string>; body?: string }>;

interface HttpApiRoutes {
  githubWebhook: Handler;
  approvalPage: Handler;
}

/**
 * The HTTP API's routes on loopback, with the same paths and payload format 2.0 events as in AWS, plus the
 * local runtime's read-only views: the operators' console at `/` and executions as JSON under `/api`.
 */
export async function startHttpApi(
  routes: HttpApiRoutes,
  engine: LocalStepFunctions,
  port = 0,
): Promise<{ url: string; server: Server }> {
  const console = localConsoleSources(engine.stateMachineArn('pipeline'));
  const server = createServer((request, response) => {
    route(request, routes, engine, console).then(
      (answer) => {
        response.writeHead(answer.statusCode, answer.headers ?? {});
        response.end(answer.body ?? '');
      },
      (error: Error) => {
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(`internal error: ${error.message}`);
      },
    );
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('http api: no TCP address');
  return { url: `http://127.0.0.1:${address.port}`, server };
}

async function route(
  request: IncomingMessage,
  routes: HttpApiRoutes,
  engine: LocalStepFunctions,
  console: ConsoleSources,
) {
  const url = new URL(request.url ?? '/', 'http://local');
  const method = request.method ?? 'GET';
  const body = await readBody(request);
  const operatorsOnly = url.pathname === '/' || url.pathname.startsWith('/api/');
  // The console shows signed approval links: a page elsewhere that rebinds its name to 127.0.0.1 must not read it.
  if (operatorsOnly && !LOOPBACK_HOSTS.has(hostnameOf(request))) {
    return jsonAnswer(403, { message: 'the console and /api answer requests for 127.0.0.1 or localhost only' });
  }
  if (method === 'GET' && url.pathname === '/') return consoleAnswer(url, console);
  if (method === 'POST' && url.pathname === '/webhooks/github') {
    return routes.githubWebhook(event(request, url, body, 'POST /webhooks/github'), context('GithubWebhook'));
  }
  const approval = /^\/approvals\/([^/]+)$/.exec(url.pathname);
  if (approval && (method === 'GET' || method === 'POST')) {
    const id = decodeURIComponent(approval[1] ?? '');
    return routes.approvalPage(
      { ...event(request, url, body, `${method} /approvals/{id}`), pathParameters: { id } },
      context('ApprovalPage'),
    );
  }
  if (method === 'GET' && url.pathname === '/api/executions') return jsonAnswer(200, pipelineExecutions(engine));
  const one = /^\/api\/executions\/([^/]+)$/.exec(url.pathname);
  if (method === 'GET' && one) {
    const record = engine.describe(decodeURIComponent(one[1] ?? ''));
    return record ? jsonAnswer(200, history(record)) : jsonAnswer(404, { message: 'no such execution' });
  }
  return jsonAnswer(404, { message: `no route for ${method} ${url.pathname}` });
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function hostnameOf(request: IncomingMessage): string {
  try {
    return new URL(`http://${request.headers.host ?? ''}`).hostname;
  } catch {
    return '';
  }
}

/** Pipelines, newest first, as `GET /api/executions` lists them. */
function pipelineExecutions(engine: LocalStepFunctions) {
  return engine
    .executions()
    .filter((e) => e.stateMachine === 'pipeline')
    .reverse()
    .map((e) => {
      const input = e.input as { serviceName?: string; branch?: string; commit?: string };
      return {
        name: e.name,
        status: e.status,
        service: input.serviceName,
        branch: input.branch,
        commit: input.commit,
        startDate: e.startDate.toISOString(),
        stopDate: e.stopDate?.toISOString() ?? null,
      };
    });
}

function history(record: ExecutionRecord) {
  return {
    name: record.name,
    executionArn: record.executionArn,
    stateMachine: record.stateMachine,
    status: record.status,
    error: record.error ?? null,
    cause: record.cause ?? null,
    startDate: record.startDate.toISOString(),
    stopDate: record.stopDate?.toISOString() ?? null,
    events: record.history.map((h) => ({ ...h, timestamp: new Date(h.timestamp).toISOString() })),
  };
}

function event(request: IncomingMessage, url: URL, body: Buffer, routeKey: string): APIGatewayProxyEventV2 {
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : (v ?? '')]),
  );
  const now = new Date();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters: Object.fromEntries(url.searchParams),
    body: body.toString('base64'),
    isBase64Encoded: true,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: url.host,
      domainPrefix: 'local',
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: request.socket.remoteAddress ?? '',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: crypto.randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
  };
}

function context(functionName: string): never {
  return lambdaContext(`arn:aws:lambda:local:000000000000:function:${functionName}`) as never;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function jsonAnswer(statusCode: number, value: unknown) {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value, null, 2) };
}
