// The pieces every crossdeploy workflow repeats, written once. The workflows are TypeScript (state-machines/*.ts)
// that build the ASL; `npm run asl` writes each to its checked-in `.asl.json`, which AWS (through SST) and the
// local engine both run, and a test fails when a file and its source disagree.
// `${Name}` in a string is an ASL substitution (stacks/substitutions.ts), not a template. JSONPath only: the local engine ignores JSONata silently (see scripts/check-asl-jsonpath.js).

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type State = { [key: string]: Json };
export type States = Record<string, State>;

export interface Retrier {
  [key: string]: Json;
  ErrorEquals: string[];
}

/**
 * Errors worth another try on any Lambda step: crossdeploy's own TransientAwsError (throttling, 5xx) and the
 * Lambda service errors AWS recommends retrying
 * (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html).
 */
export const TRANSIENT_LAMBDA_RETRY: Retrier = {
  ErrorEquals: [
    'TransientAwsError',
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
    'Lambda.TooManyRequestsException',
  ],
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
  MaxDelaySeconds: 30,
  JitterStrategy: 'FULL',
};

/**
 * A nested start refused for capacity or a service error: StartExecution's throttling and the execution limit
 * (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html) clear with time.
 */
export const NESTED_START_RETRY: Retrier = {
  ErrorEquals: [
    'StepFunctions.ExecutionLimitExceeded',
    'StepFunctions.ExecutionLimitExceededException',
    'StepFunctions.AWSStepFunctionsException',
    'StepFunctions.SdkClientException',
  ],
  IntervalSeconds: 2,
  MaxAttempts: 5,
  BackoffRate: 2,
  JitterStrategy: 'FULL',
};

/** Every Catch hands its error over at `$.failure`, where a workflow's one failure exit reads it. */
export function catchAll(next: string, resultPath = '$.failure'): State {
  return { ErrorEquals: ['States.ALL'], ResultPath: resultPath, Next: next };
}

/**
 * A Lambda step (`${<Id>FunctionArn}`, see stacks/steps.ts), retried on transient errors after any retriers of
 * its own.
 */
export function lambdaTask(functionId: string, state: State & { Retry?: Retrier[] }): State {
  const { Retry = [], Comment, ...rest } = state;
  return {
    Type: 'Task',
    ...(Comment === undefined ? {} : { Comment }),
    Resource: `\${${functionId}FunctionArn}`,
    ...rest,
    Retry: [...Retry, TRANSIENT_LAMBDA_RETRY],
  };
}

/**
 * A Lambda step that parks `$$.Task.Token` (`lambda:invoke.waitForTaskToken`): the task ends when something calls
 * SendTaskSuccess or SendTaskFailure with it, or when its TimeoutSeconds or HeartbeatSeconds run out
 * (https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token). The function
 * gets the token and the execution's id beside `Payload`.
 */
export function tokenWait(functionId: string, state: State & { Payload: { [key: string]: Json } }): State {
  const { Comment, Payload, ...rest } = state;
  return {
    Type: 'Task',
    ...(Comment === undefined ? {} : { Comment }),
    Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
    Parameters: {
      FunctionName: `\${${functionId}FunctionArn}`,
      Payload: { 'taskToken.$': '$$.Task.Token', 'executionArn.$': '$$.Execution.Id', ...Payload },
    },
    ...rest,
    Retry: [TRANSIENT_LAMBDA_RETRY],
  };
}

/** A child workflow run to its end (`startExecution.sync:2`): its output, or its error and cause. */
export function nestedExecution(state: State & { Parameters: { [key: string]: Json } }): State {
  const { Comment, ...rest } = state;
  return {
    Type: 'Task',
    ...(Comment === undefined ? {} : { Comment }),
    Resource: 'arn:aws:states:::states:startExecution.sync:2',
    ...rest,
    Retry: [NESTED_START_RETRY],
  };
}

/** The `${<Id>StateMachineArn}` substitution of a workflow (stacks/substitutions.ts). */
export const stateMachineArn = (id: string): string => `\${${id}StateMachineArn}`;

/** An ASL definition as its file holds it: two-space JSON and a final newline. */
export function aslText(definition: State): string {
  return `${JSON.stringify(definition, null, 2)}\n`;
}
