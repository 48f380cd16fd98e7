// Starting a commit's pipeline on its branch under the first free attempt's name. Step Functions refuses a
// name used in the last 90 days with ExecutionAlreadyExists, whether that execution still runs with another
// input or has ended (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html):
// the execution under the name says whether it is the same request (a duplicated event), or still runs (the
// same push delivered twice at once): then nothing starts; or an earlier request that has ended (a re-push, a
// redeploy): then the next attempt starts.

import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { type PipelineRun, startedRun } from '../core/pipeline-types';
import { MAX_ATTEMPTS } from '../core/push';
import { executionArnIn } from '../stacks/arns';
import { describeIfExists, type SfnLike } from './executions';
import { awsCall } from './transient';

export type AttemptStart =
  | { started: true; attempt: number; name: string; executionArn: string }
  | { started: false; attempt: number; name: string; reason: 'duplicate' };

/** Every attempt's name is taken: the commit was deployed MAX_ATTEMPTS times on its branch in 90 days. */
export class AttemptsExhausted extends Error {
  override name = 'AttemptsExhausted' as const;
  constructor(name: string) {
    super(
      `every attempt from ${name} to -a${MAX_ATTEMPTS} has run in the last 90 days; push a new commit to deploy again`,
    );
  }
}

/**
 * Starts `inputOf(n)` for the lowest attempt n whose name is free, each stage named by its gates: the pipeline
 * plans the stages from the map itself, so its input stays the same size whatever the targets. Without a `requestId` nothing can tell a
 * duplicate from a new request, so a taken first name counts as a duplicate.
 */
export async function startNextAttempt(
  sfn: SfnLike,
  stateMachineArn: string,
  inputOf: (attempt: number) => PipelineRun,
  requestId: string | undefined,
): Promise<AttemptStart> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const input = startedRun(inputOf(attempt));
    const name = input.pipelineId;
    try {
      const { executionArn } = await awsCall(`states:StartExecution ${name}`, () =>
        sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) })),
      );
      return { started: true, attempt, name, executionArn: executionArn ?? executionArnIn(stateMachineArn, name) };
    } catch (error) {
      if ((error as Error).name !== 'ExecutionAlreadyExists') throw error;
      if (requestId === undefined) return { started: false, attempt, name, reason: 'duplicate' };
      const taken = await awsCall(`states:DescribeExecution ${name}`, () =>
        describeIfExists(sfn, executionArnIn(stateMachineArn, name)),
      );
      // A push delivered twice at once (two hooks, a retried delivery) finds the first one still running.
      const duplicate = taken && (taken.status === 'RUNNING' || requestIdOf(taken.input) === requestId);
      if (duplicate) return { started: false, attempt, name, reason: 'duplicate' };
    }
  }
  throw new AttemptsExhausted(inputOf(1).pipelineId);
}

function requestIdOf(input: string | undefined): string | undefined {
  try {
    return (JSON.parse(input ?? '{}') as Partial<PipelineRun>).requestId;
  } catch {
    return undefined;
  }
}
