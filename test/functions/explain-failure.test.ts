import { describe, expect, it } from 'vitest';
import type { SfnLike } from '../../aws/executions';
import { explainFailure, MAX_EXPLAINED_CAUSE } from '../../aws/failure-explanation';
import { MAX_EXPLAINED_ERROR } from '../../core/failure';
import { payloadBytes } from '../../core/step-functions-limits';
import { MAX_TARGET_CAUSE_IN_WAVE } from '../../core/wave';
import { readTargetFailure } from '../../functions/explain-failure';

const ARN = 'arn:aws:states:us-east-1:111111111111:execution:crossdeploy-dev-deploy-target:run-1';
const description = (fields: Record<string, unknown>, input: unknown = { target: 'x' }) =>
  JSON.stringify({ ExecutionArn: ARN, Name: 'run-1', Input: input, InputDetails: { Included: true }, ...fields });

/** Step Functions answering DescribeExecution with `answer` (or failing with it), recording what was asked. */
function describing(answer: Record<string, unknown> | Error) {
  const asked: string[] = [];
  const sfn = {
    send: async (command: { input: { executionArn: string } }) => {
      asked.push(command.input.executionArn);
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } as unknown as SfnLike;
  return { sfn, asked };
}

describe('explain-failure', () => {
  it("gives a failed child's innermost error and its message, without Lambda's JSON", async () => {
    const { sfn, asked } = describing(new Error('not asked'));
    const lambda = JSON.stringify({ errorType: 'RoleNotAssumable', errorMessage: 'denied', trace: ['at x'] });
    const explained = await explainFailure(
      {
        failure: {
          Error: 'States.TaskFailed',
          Cause: description({ Status: 'FAILED', Error: 'RoleNotAssumable', Cause: lambda }),
        },
      },
      sfn,
    );
    expect(explained).toEqual({ execution: { Error: 'RoleNotAssumable', Cause: 'denied', Status: 'FAILED' } });
    expect(asked).toEqual([]);
  });

  it('reads the error from the child itself when the cut took it from the Cause', async () => {
    const { sfn, asked } = describing({
      status: 'FAILED',
      error: 'DeploymentRolledBack',
      cause: 'rolled back to web:1',
    });
    const cut = description({ Status: 'FAILED', Error: 'DeploymentRolledBack', Cause: 'x' }, 'y'.repeat(40_000)).slice(
      0,
      32_768,
    );
    const explained = await explainFailure({ failure: { Error: 'States.TaskFailed', Cause: cut } }, sfn);
    expect(explained.execution).toMatchObject({ Error: 'DeploymentRolledBack', Cause: 'rolled back to web:1' });
    expect(asked).toEqual([ARN]);
  });

  it('still answers, with the task error, when the child cannot be described either', async () => {
    const { sfn } = describing(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const cut = description({ Status: 'FAILED', Error: 'E', Cause: 'x' }, 'y'.repeat(40_000)).slice(0, 32_768);
    const explained = await explainFailure({ failure: { Error: 'States.TaskFailed', Cause: cut } }, sfn);
    expect(explained.execution.Error).toBe('States.TaskFailed');
    expect(explained.execution.Cause?.length).toBeLessThanOrEqual(MAX_EXPLAINED_CAUSE);
    expect(explained.execution.Cause).not.toContain('{');
  });

  it('reports a child that was aborted or timed out by its status alone', async () => {
    const { sfn } = describing(new Error('not asked'));
    for (const Status of ['ABORTED', 'TIMED_OUT']) {
      const explained = await explainFailure(
        { failure: { Error: 'States.TaskFailed', Cause: description({ Status }) } },
        sfn,
      );
      expect(explained).toEqual({ execution: { Status } });
    }
  });

  it('keeps a long cause under its bound', async () => {
    const { sfn } = describing(new Error('not asked'));
    const explained = await explainFailure({ failure: { Error: 'ServiceNotFound', Cause: 'z'.repeat(10_000) } }, sfn);
    expect(explained.execution).toMatchObject({ Error: 'ServiceNotFound' });
    expect(payloadBytes(explained.execution.Cause)).toBe(MAX_EXPLAINED_CAUSE);
  });

  it('keeps only maxCause bytes of the cause when asked, as a wave does for each of its targets', async () => {
    const { sfn } = describing(new Error('not asked'));
    const explained = await explainFailure(
      { failure: { Error: 'ServiceNotFound', Cause: 'z'.repeat(10_000) }, maxCause: MAX_TARGET_CAUSE_IN_WAVE },
      sfn,
    );
    expect(payloadBytes(explained.execution.Cause)).toBe(MAX_TARGET_CAUSE_IN_WAVE);
  });

  it('weighs a cause by its JSON bytes: quotes and non-ASCII letters count for more than one', async () => {
    const { sfn } = describing(new Error('not asked'));
    const cause = `"${'ä'.repeat(400)}"`;
    const explained = await explainFailure({ failure: { Error: 'E'.repeat(500), Cause: cause }, maxCause: 300 }, sfn);

    expect(payloadBytes(explained.execution.Cause)).toBeLessThanOrEqual(300);
    expect(explained.execution.Cause).toMatch(/^"ä+ … \(cut\)$/);
    expect(payloadBytes(explained.execution.Error)).toBeLessThanOrEqual(MAX_EXPLAINED_ERROR);
  });
});

describe('explain-failure step (readTargetFailure): a failed target as its wave reads it', () => {
  it('keeps the error and cause the target named', async () => {
    const { sfn } = describing(new Error('not asked'));
    const lambda = JSON.stringify({ errorType: 'ServiceNotFound', errorMessage: 'no service web', trace: [] });
    const outcome = await readTargetFailure(
      {
        failure: { Error: 'States.TaskFailed', Cause: description({ Status: 'FAILED', Error: 'E', Cause: lambda }) },
        maxCause: MAX_TARGET_CAUSE_IN_WAVE,
      },
      sfn,
    );
    expect(outcome).toEqual({ succeeded: false, failure: { Error: 'ServiceNotFound', Cause: 'no service web' } });
  });

  it('says how a target that named no error ended, so the wave can ask the ledger what it changed', async () => {
    const { sfn } = describing(new Error('not asked'));
    const outcome = await readTargetFailure(
      { failure: { Error: 'States.TaskFailed', Cause: description({ Status: 'ABORTED' }) } },
      sfn,
    );
    expect(outcome).toEqual({ succeeded: false, failure: { Error: 'States.TaskFailed', Status: 'ABORTED' } });
  });
});
