import { type Answer, type AwsCall, awsJsonError, type LocalService } from './ecs-scheduler';
import { awsHistory } from './sfn-history';
import {
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  type ExecutionRecord,
  type LocalStepFunctions,
  StateMachineDoesNotExist,
} from './step-functions';

type Body = Record<string, unknown>;

/**
 * The Step Functions API, answered by the local engine: handlers that start executions or resume waiting
 * tasks use a plain SFNClient, exactly as in AWS. moto's Step Functions cannot run crossdeploy's handlers.
 */
export function stepFunctionsApi(engine: LocalStepFunctions): LocalService {
  return async (call: AwsCall, raw: Buffer) => {
    if (call.service !== 'states') return undefined;
    const body = (raw.length ? JSON.parse(raw.toString('utf8')) : {}) as Body;
    try {
      return ok(await answer(engine, call.operation, body));
    } catch (error) {
      const e = error as Error;
      return awsJsonError(400, KNOWN_ERRORS.has(e.name) ? e.name : 'InvalidArn', e.message);
    }
  };
}

const KNOWN_ERRORS = new Set([
  'ExecutionAlreadyExists',
  'ExecutionDoesNotExist',
  'StateMachineDoesNotExist',
  'TaskDoesNotExist',
  'TaskTimedOut',
  'InvalidToken',
  'InvalidName',
  'ValidationException',
]);

async function answer(engine: LocalStepFunctions, operation: string, body: Body): Promise<Body> {
  switch (operation) {
    case 'StartExecution':
      return startExecution(engine, body);
    case 'DescribeExecution':
      return describe(found(engine, String(body.executionArn)));
    case 'ListExecutions': {
      const executions = engine
        .executions()
        // A Map Run's children are listed by its ARN instead of their state machine's.
        .filter((e) =>
          body.mapRunArn
            ? e.mapRunArn === body.mapRunArn
            : engine.stateMachineArn(e.stateMachine) === body.stateMachineArn,
        )
        .filter((e) => !body.statusFilter || e.status === body.statusFilter)
        .reverse()
        .map(summary);
      return page('executions', executions, body, (e) => String(e.executionArn));
    }
    case 'GetExecutionHistory': {
      const events = awsHistory(engine, found(engine, String(body.executionArn)));
      return page('events', body.reverseOrder === true ? events.reverse() : events, body, (e) => String(e.id));
    }
    case 'StopExecution': {
      const record = await engine.stop(String(body.executionArn), body.error as string, body.cause as string);
      return { stopDate: seconds(record.stopDate ?? new Date()) };
    }
    case 'SendTaskSuccess':
      engine.sendTaskSuccess(String(body.taskToken), JSON.parse(String(body.output ?? 'null')));
      return {};
    case 'SendTaskFailure':
      engine.sendTaskFailure(
        String(body.taskToken),
        String(body.error ?? 'States.TaskFailed'),
        String(body.cause ?? ''),
      );
      return {};
    case 'SendTaskHeartbeat':
      return {};
    default:
      throw Object.assign(new Error(`the local runtime does not answer Step Functions' ${operation}`), {
        name: 'UnsupportedOperation',
      });
  }
}

/** A second StartExecution with the same name and input as a running execution returns that execution, as in AWS. */
function startExecution(engine: LocalStepFunctions, body: Body): Body {
  const arn = String(body.stateMachineArn);
  const prefix = engine.stateMachineArn('');
  if (!arn.startsWith(prefix)) throw new StateMachineDoesNotExist(`state machine ${arn} does not exist`);
  const stateMachine = arn.slice(prefix.length);
  const input = JSON.parse(String(body.input ?? '{}')) as unknown;
  const name = body.name ? String(body.name) : undefined;
  const existing = name
    ? engine.executions().find((e) => e.stateMachine === stateMachine && e.name === name)
    : undefined;
  if (existing) {
    if (existing.status === 'RUNNING' && JSON.stringify(existing.input) === JSON.stringify(input)) {
      return { executionArn: existing.executionArn, startDate: seconds(existing.startDate) };
    }
    throw new ExecutionAlreadyExists(`Execution Already Exists: '${existing.executionArn}'`);
  }
  const record = engine.start(stateMachine, input, name ? { name } : {});
  return { executionArn: record.executionArn, startDate: seconds(record.startDate) };
}

/**
 * One page of a list, as Step Functions pages them: at most `maxResults` (100 when not given, 1000 at most),
 * and a `nextToken` while more remain. The lists are rebuilt on every call and executions start between
 * calls, so the token names the last item given rather than an offset.
 */
function page<T>(key: string, items: T[], body: Body, identity: (item: T) => string): Body {
  const size = Math.min(Number(body.maxResults) || 100, 1000);
  let from = 0;
  if (body.nextToken !== undefined) {
    from = items.findIndex((item) => identity(item) === body.nextToken) + 1;
    if (from === 0) {
      throw Object.assign(new Error(`invalid nextToken ${String(body.nextToken)}`), { name: 'InvalidToken' });
    }
  }
  const given = items.slice(from, from + size);
  const last = given.at(-1);
  return { [key]: given, ...(last !== undefined && from + size < items.length ? { nextToken: identity(last) } : {}) };
}

function found(engine: LocalStepFunctions, executionArn: string): ExecutionRecord {
  const record = engine.describe(executionArn);
  if (!record) throw new ExecutionDoesNotExist(`Execution Does Not Exist: '${executionArn}'`);
  return record;
}

function summary(e: ExecutionRecord): Body {
  return {
    executionArn: e.executionArn,
    stateMachineArn: e.executionArn.replace(':execution:', ':stateMachine:').replace(/:[^:]+$/, ''),
    name: e.name,
    status: e.status,
    startDate: seconds(e.startDate),
    ...(e.stopDate ? { stopDate: seconds(e.stopDate) } : {}),
  };
}

function describe(e: ExecutionRecord): Body {
  return {
    ...summary(e),
    input: JSON.stringify(e.input),
    ...(e.output !== undefined ? { output: JSON.stringify(e.output) } : {}),
    ...(e.error !== undefined ? { error: e.error } : {}),
    ...(e.cause !== undefined ? { cause: e.cause } : {}),
  };
}

function ok(body: Body): Answer {
  return {
    status: 200,
    headers: { 'content-type': 'application/x-amz-json-1.0' },
    body: Buffer.from(JSON.stringify(body)),
  };
}

function seconds(date: Date): number {
  return date.getTime() / 1000;
}
