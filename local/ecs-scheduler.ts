// The ECS scheduler simulator: an HTTP proxy in front of moto that answers like AWS would if ECS's scheduler
// were running. moto records UpdateService and stops there; this proxy moves rollouts forward with time, trips
// the circuit breaker, raises alarms and throttles, per account/region, on demand, and puts on each target
// account's default bus the events ECS and CloudWatch would send. A request that reaches moto reaches it
// unchanged; only ECS answers are rewritten. The product just points AWS_ENDPOINT_URL here.

import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { AccountDirectory, type AwsCall, readCall } from './ecs-scheduler/calls';
import { AlarmStates, EventPublisher, type PublishedEvent } from './ecs-scheduler/events';
import { type EcsFault, FaultBook, type Where } from './ecs-scheduler/faults';
import { MotoApi } from './ecs-scheduler/moto-api';
import { Replication } from './ecs-scheduler/replication';
import { ROLLOUT_STEP_MS, SimulatedServices } from './ecs-scheduler/services';

export type { AwsCall } from './ecs-scheduler/calls';
export type { PublishedEvent } from './ecs-scheduler/events';
export type { EcsFault } from './ecs-scheduler/faults';

export interface EcsScheduler {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  injectFault(where: { account: string; region: string }, fault: EcsFault): void;
  clearFaults(): void;
  /**
   * Forgets simulated deployments, faults, learned keys, call counts, published events and known alarm states,
   * and restores the default rollout pace: pair it with moto's reset.
   */
  reset(): void;
  /**
   * Real milliseconds per rollout step from now on (default 25, or the `rolloutStepMs` it was started with);
   * `Infinity`: rollouts move only when a DescribeServices observes them.
   */
  setRolloutStepMs(ms: number): void;
  /** The ECS and CloudWatch events put on target accounts' buses since start or reset, oldest first. */
  events(): PublishedEvent[];
  /** AWS calls received since start or reset, by `<signing name>:<Operation>`, e.g. `ecs:DescribeServices`, `monitoring:DescribeAlarms`. Throttled calls count. */
  stats(): { calls: Record<string, number> };
  /** Answers another service's calls in-process instead of forwarding them to moto (the local Step Functions). */
  serveLocally(service: LocalService | undefined): void;
  stop(): Promise<void>;
}

/** An HTTP answer the proxy sends back as it is. */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Per-hop headers: the proxy buffers whole bodies and keeps its own connections. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'expect', 'content-length'];

/** Answers calls of services that moto does not stand in for (the local runtime's Step Functions). */
export type LocalService = (call: AwsCall, body: Buffer) => Promise<Answer | undefined>;

export async function startEcsScheduler(opts: {
  motoEndpoint: string;
  port?: number;
  clock?: () => Date;
  /**
   * Real milliseconds per rollout step: ECS moves a rollout on whether or not anyone looks, and so does the
   * scheduler, one step per this many ms (besides one per DescribeServices that includes the service). Default 25.
   */
  rolloutStepMs?: number;
}): Promise<EcsScheduler> {
  let localService: LocalService | undefined;
  const motoUrl = new URL(opts.motoEndpoint);
  const moto = new MotoApi(opts.motoEndpoint);
  const faults = new FaultBook();
  const clock = opts.clock ?? (() => new Date());
  const accounts = new AccountDirectory((call) => moto.accountOf(call.accessKeyId, call.region));
  const events = new EventPublisher({ moto, faults, clock });
  const alarms = new AlarmStates({ events, clock });
  const rolloutStepMs = opts.rolloutStepMs ?? ROLLOUT_STEP_MS;
  const services = new SimulatedServices({ clock, faults, moto, events, alarms, rolloutStepMs });
  const replication = new Replication(moto);
  let calls: Record<string, number> = {};

  async function respond(incoming: IncomingMessage): Promise<Answer> {
    const body = await readAll(incoming);
    const method = incoming.method ?? 'GET';
    const url = incoming.url ?? '/';
    const call = readCall(method, url, incoming.headers, body);
    // moto's own API (/moto-api/reset, ...) and anything unsigned is none of the scheduler's business.
    if (!call) return forward(motoUrl, method, url, incoming.headers, body);
    const key = `${call.service}:${call.operation}`;
    calls[key] = (calls[key] ?? 0) + 1;

    // Faults hit the product's calls only: fixtures (moto's account header) are the test's own eyes and hands.
    const where = call.service === 'ecs' && !call.accountHeader ? await whereOf(call) : undefined;
    const refusal = refusalOf(call, where, body);
    if (refusal) return refusal;
    const local = await localService?.(call, body);
    if (local) return local;
    const stacksAt = call.service === 'cloudformation' && !call.accountHeader ? await whereOf(call) : undefined;
    if (stacksAt && call.operation === 'DescribeStacks') await faults.stackReadable(stacksAt);
    const answer = await forward(motoUrl, method, url, incoming.headers, body);
    if (stacksAt && call.operation === 'ExecuteChangeSet' && answer.status === 200) faults.stackExecuted(stacksAt);
    if (call.service === 'ecr') {
      const account = call.accountHeader ?? (await accounts.accountOf(call));
      if (account)
        await replication.after(
          { account, region: call.region },
          call.operation,
          parseJson(body),
          answer.status === 200,
        );
    }
    if (answer.status !== 200) return answer;
    if (where && faults.losesResponse(where, call.operation)) {
      return awsJsonError(500, 'InternalFailure', `${call.operation} took effect but its answer was lost`);
    }
    if (call.service === 'sts') accounts.learn(answer.body.toString('utf8'));
    if (call.service === 'monitoring' && call.operation === 'SetAlarmState') {
      const account = call.accountHeader ?? (await accounts.accountOf(call));
      const set = alarmStateOf(incoming.headers, body);
      if (account && set) await alarms.set({ account, region: call.region }, set.name, set.value, set.reason);
    }
    if (call.service !== 'ecs') return answer;
    const rewritten = await services.rewrite(call.operation, parseJson(body), parseJson(answer.body));
    return rewritten === undefined ? answer : { ...answer, body: Buffer.from(JSON.stringify(rewritten)) };
  }

  async function whereOf(call: AwsCall): Promise<Where | undefined> {
    const account = await accounts.accountOf(call);
    return account === undefined ? undefined : { account, region: call.region };
  }

  /** The answer of a call a fault stops before it reaches moto. */
  function refusalOf(call: AwsCall, where: Where | undefined, body: Buffer): Answer | undefined {
    if (where && faults.throttles(where, call.operation)) {
      return awsJsonError(400, 'ThrottlingException', 'Rate exceeded');
    }
    if (call.service === 'sts' && call.operation === 'AssumeRole') {
      const roleArn = new URLSearchParams(body.toString('utf8')).get('RoleArn') ?? '';
      const account = /^arn:aws:iam::(\d{12}):role\//.exec(roleArn)?.[1];
      if (account && faults.deniesAssumeRole(account)) return accessDenied(roleArn);
    }
    return undefined;
  }

  const server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    respond(incoming).then(
      (result) => send(outgoing, result),
      (error: unknown) => send(outgoing, internalFailure(error)),
    );
  });
  server.listen(opts.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('ecs scheduler: no TCP address');

  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    injectFault: (where, fault) => faults.inject(where, fault),
    clearFaults: () => faults.clear(),
    reset() {
      services.reset();
      events.reset();
      alarms.reset();
      replication.reset();
      faults.clear();
      accounts.forget();
      calls = {};
    },
    setRolloutStepMs: (ms) => services.setRolloutStepMs(ms),
    events: () => events.published(),
    stats: () => ({ calls: { ...calls } }),
    serveLocally: (service) => {
      localService = service;
    },
    async stop() {
      services.stop();
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

function forward(moto: URL, method: string, path: string, headers: IncomingHttpHeaders, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: moto.hostname,
        port: moto.port,
        method,
        path,
        // moto ignores signatures, so the Host the client signed can be replaced by moto's own.
        headers: { ...withoutHopByHop(headers), host: moto.host, 'content-length': String(body.length) },
      },
      (incoming) => {
        readAll(incoming).then(
          (answer) => resolve({ status: incoming.statusCode ?? 502, headers: incoming.headers, body: answer }),
          reject,
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function send(outgoing: ServerResponse, answer: Answer): void {
  outgoing.writeHead(answer.status, { ...withoutHopByHop(answer.headers), 'content-length': answer.body.length });
  outgoing.end(answer.body);
}

/** STS speaks the query protocol: errors are XML. */
function accessDenied(roleArn: string): Answer {
  const message = `Not authorized to perform sts:AssumeRole on resource ${roleArn} (fault injected by the ECS scheduler)`;
  return {
    status: 403,
    headers: { 'content-type': 'text/xml' },
    body: Buffer.from(
      `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>${message}</Message></Error><RequestId>crossdeploy-local</RequestId></ErrorResponse>`,
    ),
  };
}

/** A failure of the proxy itself, in a shape the SDK reports with its message instead of a parse error. */
function internalFailure(error: unknown): Answer {
  const message = error instanceof Error ? error.message : String(error);
  return awsJsonError(500, 'InternalFailure', `ecs scheduler: ${message}`);
}

export function awsJsonError(status: number, type: string, message: string): Answer {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type },
    body: Buffer.from(JSON.stringify({ __type: type, message })),
  };
}

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const kept = { ...headers };
  for (const name of HOP_BY_HOP) delete kept[name];
  return kept;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A SetAlarmState request: JSON in SDK v3 (CloudWatch's JSON protocol), a form from query-protocol clients. One in
 * another encoding is left alone: moto took it, so its answer goes back whether or not an event can be told of it.
 */
function alarmStateOf(
  headers: IncomingHttpHeaders,
  body: Buffer,
): { name: string; value: string; reason: string } | undefined {
  const text = body.toString('utf8');
  let fields: Record<string, unknown>;
  try {
    fields = String(headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
      ? Object.fromEntries(new URLSearchParams(text))
      : (parseJson(body) as Record<string, unknown>);
  } catch {
    return undefined;
  }
  const { AlarmName: name, StateValue: value, StateReason: reason } = fields;
  if (typeof name !== 'string' || typeof value !== 'string') return undefined;
  return { name, value, reason: typeof reason === 'string' ? reason : '' };
}

function parseJson(body: Buffer): unknown {
  return body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
}
