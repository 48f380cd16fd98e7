import { describe, expect, it } from 'vitest';
import { bounded, failureInPlainWords, innermostFailure, nestedExecution, REASON_MAX_CHARS } from '../../core/failure';

const lambdaCause = (name: string, message: string) =>
  JSON.stringify({
    errorType: name,
    errorMessage: message,
    trace: [`${name}: ${message}`, '    at assume (/var/task/index.mjs:1:2)', '    at run (/var/task/index.mjs:3:4)'],
  });

/** A nested execution's description, as a failed `startExecution.sync:2` task gives it in its Cause. */
const described = (error: string, cause: string, input: unknown = { target: 'x' }) =>
  JSON.stringify({
    ExecutionArn: 'arn:aws:states:us-east-1:111111111111:execution:crossdeploy-dev-deploy-target:run-1',
    Name: 'run-1',
    Status: 'FAILED',
    Input: input,
    InputDetails: { Included: true },
    Error: error,
    Cause: cause,
  });

describe('innermostFailure', () => {
  it("reads a Lambda's error document as its message, without the stack trace", () => {
    expect(innermostFailure('RoleNotAssumable', lambdaCause('RoleNotAssumable', 'cannot assume role/x'))).toEqual({
      error: 'RoleNotAssumable',
      cause: 'cannot assume role/x',
    });
  });

  it('peels nested executions at any depth down to the Lambda that failed', () => {
    const deep = described(
      'States.TaskFailed',
      described('States.TaskFailed', described('RoleNotAssumable', lambdaCause('RoleNotAssumable', 'denied'))),
    );
    expect(innermostFailure('States.TaskFailed', deep)).toEqual({ error: 'RoleNotAssumable', cause: 'denied' });
  });

  it('reads the error and cause that survive a description cut at 32,768 characters', () => {
    const whole = described('DeploymentRolledBack', 'alarm web-5xx fired; rolled back to web:1');
    expect(innermostFailure('States.TaskFailed', whole.slice(0, -1))).toEqual({
      error: 'DeploymentRolledBack',
      cause: 'alarm web-5xx fired; rolled back to web:1',
    });
    expect(innermostFailure('States.TaskFailed', whole.slice(0, -8))).toEqual({
      error: 'DeploymentRolledBack',
      cause: 'alarm web-5xx fired; rolled back to …',
    });
  });

  it('says the cause was cut off when the cut took the error with it, instead of showing JSON', () => {
    const whole = described('DeploymentRolledBack', 'why', { blob: 'x'.repeat(40_000) });
    const cut = whole.slice(0, 32_768);
    const { error, cause } = innermostFailure('States.TaskFailed', cut);
    expect(error).toBe('States.TaskFailed');
    expect(cause).not.toContain('{');
  });

  it('unwraps the "Error: {json}" that States.Format made of a Catch output', () => {
    const formatted = `TransientAwsError: ${lambdaCause('TransientAwsError', 'ecs:UpdateService throttled')}`;
    expect(innermostFailure(undefined, formatted)).toEqual({
      error: 'TransientAwsError',
      cause: 'ecs:UpdateService throttled',
    });
  });

  it('never throws on causes that are not JSON at all', () => {
    for (const cause of ['{', '{"', '{"Cause":"\\', 'plain words', '', '{}', '[1,2]', 'x: {oops']) {
      expect(() => innermostFailure('E', cause)).not.toThrow();
    }
    expect(innermostFailure('E', 'plain words')).toEqual({ error: 'E', cause: 'plain words' });
  });

  it('keeps a message but drops the stack frames of a Node stack', () => {
    expect(innermostFailure('E', 'Error: boom\n    at a (x.js:1:1)\n    at b (y.js:2:2)').cause).toBe('Error: boom');
  });
});

describe('nestedExecution', () => {
  it('tells a cut description, whose ARN survives but whose error does not', () => {
    const whole = described('DeploymentRolledBack', 'why', { blob: 'x'.repeat(40_000) });
    expect(nestedExecution(whole.slice(0, 32_768))).toEqual({
      executionArn: 'arn:aws:states:us-east-1:111111111111:execution:crossdeploy-dev-deploy-target:run-1',
      status: 'FAILED',
      truncated: true,
    });
    expect(nestedExecution(whole)?.truncated).toBe(false);
    expect(nestedExecution(lambdaCause('E', 'm'))).toBeUndefined();
  });
});

describe('bounded', () => {
  it('cuts long text to the limit and says so', () => {
    const cut = bounded('x'.repeat(5_000), 2_048);
    expect(cut).toHaveLength(2_048);
    expect(cut.endsWith('(cut)')).toBe(true);
    expect(bounded('short', 2_048)).toBe('short');
  });
});

const EXECUTION = 'arn:aws:states:us-east-1:111111111111:execution:crossdeploy-pipeline:web-production-3f2a9c1-ab12';
const ROLLED_BACK_CAUSE =
  'account/region 333333333333/eu-west-1, cluster/service demo/web: alarms check failed (web-5xx in ALARM); ' +
  'rolled back to web:1';

/** A child execution's failure as `startExecution.sync:2` reports it: its description, as JSON. */
const childFailure = (error: string, cause: string) =>
  JSON.stringify({ ExecutionArn: `${EXECUTION}-child`, Status: 'FAILED', Error: error, Cause: cause });

describe('failureInPlainWords', () => {
  it.each([
    {
      case: 'a rollback, as the target workflow ends',
      error: 'DeploymentRolledBack',
      cause: ROLLED_BACK_CAUSE,
      words: `Rolled back (DeploymentRolledBack): ${ROLLED_BACK_CAUSE}.`,
    },
    {
      case: 'the same rollback three executions deep',
      error: 'States.TaskFailed',
      cause: childFailure('WaveFailed', childFailure('DeploymentRolledBack', ROLLED_BACK_CAUSE)),
      words: `Rolled back (DeploymentRolledBack): ${ROLLED_BACK_CAUSE}.`,
    },
    {
      case: 'an error and cause nested as plain {Error, Cause}',
      error: 'States.TaskFailed',
      cause: JSON.stringify({
        Error: 'DeploymentRolledBack',
        Cause: JSON.stringify({ Error: 'DeploymentRolledBack', Cause: 'circuit breaker tripped' }),
      }),
      words: 'Rolled back (DeploymentRolledBack): circuit breaker tripped.',
    },
    {
      case: "a Lambda's error wrapper",
      error: 'RoleNotAssumable',
      cause: JSON.stringify({
        errorType: 'RoleNotAssumable',
        errorMessage: 'cannot assume arn:aws:iam::333333333333:role/crossdeploy-deploy in account 333333333333',
        trace: ['RoleNotAssumable: cannot assume', '    at assumeDeployRole'],
      }),
      words:
        'The deploy role could not be assumed (RoleNotAssumable): cannot assume ' +
        'arn:aws:iam::333333333333:role/crossdeploy-deploy in account 333333333333.',
    },
    {
      case: 'an aborted child execution, which has a status and no error',
      error: 'States.TaskFailed',
      cause: JSON.stringify({ ExecutionArn: `${EXECUTION}-child`, Status: 'ABORTED' }),
      words: 'A task failed (States.TaskFailed): a nested execution ended ABORTED.',
    },
    {
      case: 'a rejection, whose cause already says who rejected it',
      error: 'ApprovalRejected',
      cause: 'rejected by grace: not on a Friday',
      words: 'Approval rejected by grace: not on a Friday.',
    },
    {
      case: 'a superseded approval',
      error: 'Superseded',
      cause: 'superseded by 9c0ffee (web-9c0ffee)',
      words: 'Superseded by 9c0ffee (web-9c0ffee).',
    },
    {
      case: 'an approval timeout',
      error: 'ApprovalTimedOut',
      cause: "no approver decided before the environment's approval timeout; nothing was deployed",
      words:
        "No approver decided in time (ApprovalTimedOut): no approver decided before the environment's approval " +
        'timeout; nothing was deployed.',
    },
    {
      case: 'a lease another deployment still holds',
      error: 'LeaseHeld',
      cause: 'web#prod is held by web-main-3f2a9c1-abcd1234 since 2026-12-07T06:00:00.000Z, which is still running',
      words:
        'Another deployment of the environment was still running (LeaseHeld): web#prod is held by ' +
        'web-main-3f2a9c1-abcd1234 since 2026-12-07T06:00:00.000Z, which is still running.',
    },
    {
      case: 'an error crossdeploy does not know, with a cause',
      error: 'CodeBuild.BuildFailed',
      cause: 'build web:42 failed in phase BUILD',
      words: 'CodeBuild.BuildFailed: build web:42 failed in phase BUILD.',
    },
    { case: 'an error alone', error: 'SomethingOdd', cause: null, words: 'Failed with SomethingOdd.' },
    { case: 'a known error alone', error: 'States.Timeout', cause: '', words: 'A step timed out (States.Timeout).' },
    { case: 'a cause alone', error: null, cause: 'the lease is held', words: 'The lease is held.' },
    { case: 'nothing at all', error: undefined, cause: undefined, words: 'Failed without saying why.' },
    {
      case: 'a cause on several lines that ends a sentence',
      error: 'EnvironmentNotCompleted',
      cause: '  the environment ended\n\n   TIMED_OUT.  ',
      words:
        'The environment deployment ended without completing (EnvironmentNotCompleted): the environment ended TIMED_OUT.',
    },
    {
      case: 'a cause that looks like JSON and is not',
      error: 'WaveFailed',
      cause: '{not json',
      words: 'A wave failed beyond its tolerance (WaveFailed): {not json.',
    },
  ])('says $case in one sentence', ({ error, cause, words }) => {
    expect(failureInPlainWords(error, cause)).toBe(words);
  });

  it('keeps a wave of a hundred failed targets within one readable length', () => {
    const cause = Array.from({ length: 100 }, (_, i) => `333333333333/region-${i} demo/web: circuit breaker`).join(
      '; ',
    );

    const words = failureInPlainWords('WaveFailed', childFailure('WaveFailed', cause));

    expect(words.length).toBeLessThanOrEqual(REASON_MAX_CHARS);
    expect(words).toMatch(/^A wave failed beyond its tolerance \(WaveFailed\): 333333333333\/region-0 /);
    expect(words.endsWith('...')).toBe(true);
    expect(words).not.toContain('\n');
  });
});
