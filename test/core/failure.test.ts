import { describe, expect, it } from 'vitest';
import { bounded, innermostFailure, nestedExecution } from '../../core/failure';

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
