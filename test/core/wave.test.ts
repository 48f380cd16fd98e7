import { describe, expect, it } from 'vitest';
import type { DeployTarget, TargetOutcome } from '../../core/contracts';
import { evaluateWave, outcomeFromFailure } from '../../core/wave';

const REGIONS = ['eu-west-1', 'eu-central-1', 'us-east-1', 'us-west-2', 'ap-southeast-2', 'sa-east-1'];
const targets: DeployTarget[] = REGIONS.map((region, i) => ({
  account: String(i + 2).repeat(12),
  region,
  cluster: 'prod',
  service: 'web',
  container: 'web',
}));
const target = (i: number): DeployTarget => {
  const found = targets[i];
  if (found === undefined) throw new Error(`no target ${i}`);
  return found;
};
const where = (i: number) => `${target(i).account}/${target(i).region} prod/web`;

const succeeded = (i: number): TargetOutcome => ({
  target: target(i),
  succeeded: true,
  revision: {
    previous: `arn:aws:ecs:${target(i).region}:${target(i).account}:task-definition/web:7`,
    current: `arn:aws:ecs:${target(i).region}:${target(i).account}:task-definition/web:8`,
  },
});
const failed = (
  i: number,
  error = 'DeploymentRolledBack',
  cause = `circuit-breaker check failed in ${target(i).region}`,
) => ({
  target: target(i),
  succeeded: false,
  error,
  cause,
});

/** Six targets, the listed ones failing. */
const wave = (failing: number[], error?: (i: number) => string): TargetOutcome[] =>
  targets.map((_, i) => (failing.includes(i) ? failed(i, error?.(i)) : succeeded(i)));

describe('evaluateWave', () => {
  it.each([
    { failing: [], tolerance: 0, failedWave: false },
    { failing: [3], tolerance: 0, failedWave: true },
    { failing: [3], tolerance: 1, failedWave: false },
    { failing: [1, 4], tolerance: 1, failedWave: true },
    { failing: [1, 4], tolerance: 2, failedWave: false },
  ])(
    'with $failing.length failing and tolerance $tolerance, fails the wave: $failedWave',
    ({ failing, tolerance, failedWave }) => {
      expect(evaluateWave(wave(failing), tolerance, 'prod wave 2').failed).toBe(failedWave);
    },
  );

  it("keeps the cause of a wave with 500 failed targets under a Fail state's 32,768 characters, counting the rest", () => {
    const many: TargetOutcome[] = Array.from({ length: 500 }, (_, i) => ({
      target: { ...target(0), account: String(100_000_000_000 + i) },
      succeeded: false,
      error: 'RoleNotAssumable',
      cause: `cannot assume the deploy role: ${'not bootstrapped '.repeat(60)}`,
    }));
    const verdict = evaluateWave(many, 0, 'prod wave 1');

    expect(verdict.cause?.length).toBeLessThan(32_768);
    expect(verdict.cause).toMatch(/^wave prod wave 1: 500 of 500 targets failed \(tolerance 0\); /);
    expect(verdict.cause).toMatch(/; and \d+ more failed targets \(see the ledger\)$/);
  });

  it('rolls back the four succeeded targets when two of six fail past a tolerance of one', () => {
    const verdict = evaluateWave(wave([1, 4]), 1, 'prod wave 2');

    expect(verdict).toEqual({
      failed: true,
      toRollBack: [0, 2, 3, 5].map((i) => ({
        target: target(i),
        revision: {
          previous: `arn:aws:ecs:${target(i).region}:${target(i).account}:task-definition/web:7`,
          current: `arn:aws:ecs:${target(i).region}:${target(i).account}:task-definition/web:8`,
        },
      })),
      error: 'DeploymentRolledBack',
      cause:
        'wave prod wave 2: 2 of 6 targets failed (tolerance 1); ' +
        `${where(1)}: circuit-breaker check failed in eu-central-1; ` +
        `${where(4)}: circuit-breaker check failed in ap-southeast-2`,
      summary: 'wave prod wave 2 failed: 2 of 6 targets failed (tolerance 1), rolling back 4 targets',
    });
  });

  it.each([
    { name: 'share one error name', error: () => 'DeploymentRolledBack', expected: 'DeploymentRolledBack' },
    {
      name: 'fail differently',
      error: (i: number) => (i === 1 ? 'DeploymentRolledBack' : 'RoleNotAssumable'),
      expected: 'WaveFailed',
    },
  ])('names the wave failure after its targets when they $name', ({ error, expected }) => {
    expect(evaluateWave(wave([1, 4], error), 1, 'prod wave 2').error).toBe(expected);
  });

  it('names each failed target once, whether or not its own cause already names it', () => {
    const selfNaming = failed(
      0,
      'DeploymentRolledBack',
      `account/region ${target(0).account}/${target(0).region}: alarm`,
    );
    const verdict = evaluateWave([selfNaming, failed(1), succeeded(2)], 0, '1 of prod');

    expect(verdict.cause).toBe(
      `wave 1 of prod: 2 of 3 targets failed (tolerance 0); account/region ${target(0).account}/${target(0).region}: alarm; ${where(1)}: circuit-breaker check failed in ${target(1).region}`,
    );
  });

  it('does not roll back a succeeded target that reports no revisions', () => {
    const outcomes = [failed(0), failed(1), { target: target(2), succeeded: true }];

    expect(evaluateWave(outcomes, 1, 'prod wave 1').toRollBack).toEqual([]);
  });

  it('rolls back a failed target that names the revision to return to: one stopped before it could', () => {
    const stopped = { ...failed(1, 'States.TaskFailed'), revision: { previous: 'arn:previous' } };

    const verdict = evaluateWave([succeeded(0), stopped, failed(2)], 0, 'prod wave 1');

    expect(verdict.toRollBack.map((r) => [r.target, r.revision.previous])).toEqual([
      [target(0), succeeded(0).revision?.previous],
      [target(1), 'arn:previous'],
    ]);
    expect(verdict.summary).toBe(
      'wave prod wave 1 failed: 2 of 3 targets failed (tolerance 0), rolling back 2 targets',
    );
  });

  it.each([
    { failing: [3], summary: 'wave prod wave 2: 1 of 6 targets failed (tolerance 1), tolerated' },
    { failing: [], summary: 'wave prod wave 2: all 6 targets succeeded' },
  ])('keeps a wave within tolerance without rolling anything back: $summary', ({ failing, summary }) => {
    expect(evaluateWave(wave(failing), 1, 'prod wave 2')).toEqual({ failed: false, toRollBack: [], summary });
  });
});

describe('outcomeFromFailure', () => {
  const executionArn = 'arn:aws:states:us-east-1:111111111111:execution:crossdeploy-deploy-target:d-42-222222222222';
  const rolledBack =
    'account/region 222222222222/eu-west-1, cluster/service prod/web: circuit-breaker check failed ' +
    '(ECS deployment circuit breaker: tasks failed to start.); rolled back to ' +
    'arn:aws:ecs:eu-west-1:222222222222:task-definition/web:7';
  const lambdaError = JSON.stringify({
    errorType: 'RoleNotAssumable',
    errorMessage: 'cannot assume arn:aws:iam::222222222222:role/crossdeploy-deploy in account 222222222222',
    trace: ['RoleNotAssumable: cannot assume arn:aws:iam::222222222222:role/crossdeploy-deploy', '    at assume'],
  });
  const describeExecution = (fields: object) =>
    JSON.stringify({
      ExecutionArn: executionArn,
      StateMachineArn: 'arn:aws:states:us-east-1:111111111111:stateMachine:crossdeploy-deploy-target',
      Name: 'd-42-222222222222',
      Status: 'FAILED',
      StartDate: 1715680800000,
      StopDate: 1715681700000,
      Input: '{"deploymentId":"d-42"}',
      InputDetails: { Included: true },
      ...fields,
    });

  it.each<{
    name: string;
    failure: { Error?: string; Cause?: string; error?: string; cause?: string };
    error?: string;
    cause?: string;
  }>([
    {
      name: 'a nested execution whose DescribeExecution says Error and Cause',
      failure: {
        Error: 'States.TaskFailed',
        Cause: describeExecution({ Error: 'DeploymentRolledBack', Cause: rolledBack }),
      },
      error: 'DeploymentRolledBack',
      cause: rolledBack,
    },
    {
      name: 'a nested execution whose DescribeExecution says error and cause',
      failure: {
        Error: 'States.TaskFailed',
        Cause: JSON.stringify({ executionArn, status: 'FAILED', error: 'DeploymentRolledBack', cause: rolledBack }),
      },
      error: 'DeploymentRolledBack',
      cause: rolledBack,
    },
    {
      name: 'a nested execution that failed in a Lambda step',
      failure: {
        Error: 'States.TaskFailed',
        Cause: describeExecution({ Error: 'RoleNotAssumable', Cause: lambdaError }),
      },
      error: 'RoleNotAssumable',
      cause: 'cannot assume arn:aws:iam::222222222222:role/crossdeploy-deploy in account 222222222222',
    },
    {
      name: 'a nested execution that was aborted',
      failure: { Error: 'States.TaskFailed', Cause: describeExecution({ Status: 'ABORTED' }) },
      error: 'States.TaskFailed',
      cause: 'a nested execution ended ABORTED',
    },
    {
      name: 'a Lambda failure',
      failure: { Error: 'RoleNotAssumable', Cause: lambdaError },
      error: 'RoleNotAssumable',
      cause: 'cannot assume arn:aws:iam::222222222222:role/crossdeploy-deploy in account 222222222222',
    },
    {
      name: 'a local engine failure with a plain string cause',
      failure: { Error: 'DeploymentRolledBack', Cause: rolledBack },
      error: 'DeploymentRolledBack',
      cause: rolledBack,
    },
    {
      name: 'lowercase error and cause fields',
      failure: {
        error: 'States.TaskFailed',
        cause: describeExecution({ Error: 'ServiceNotFound', Cause: 'no service' }),
      },
      error: 'ServiceNotFound',
      cause: 'no service',
    },
    {
      name: 'a cause that is JSON but not an object',
      failure: { Error: 'States.TaskFailed', Cause: '"timed out"' },
      error: 'States.TaskFailed',
      cause: '"timed out"',
    },
    { name: 'a timeout without a cause', failure: { Error: 'States.Timeout' }, error: 'States.Timeout' },
  ])('finds the innermost error of $name', ({ failure, error, cause }) => {
    expect(outcomeFromFailure(target(0), failure)).toEqual({ target: target(0), succeeded: false, error, cause });
  });
});
