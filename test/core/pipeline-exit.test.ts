import { describe, expect, it } from 'vitest';
import type { CaughtFailure } from '../../core/contracts';
import {
  APPROVAL_TIMED_OUT_CAUSE,
  type ExplainedChild,
  type PipelineExit,
  pipelineExit,
} from '../../core/pipeline-exit';

const child = (error: string, cause: string): CaughtFailure => ({
  Error: 'States.TaskFailed',
  Cause: JSON.stringify({ ExecutionArn: 'arn:x', Status: 'FAILED', Error: error, Cause: cause }),
});

const cases: [string, CaughtFailure, ExplainedChild | undefined, PipelineExit][] = [
  [
    'a rejected approval, with the approver’s words',
    { Error: 'ApprovalRejected', Cause: 'rejected by sam: not today' },
    undefined,
    { event: 'failed', error: 'ApprovalRejected', cause: 'rejected by sam: not today' },
  ],
  [
    'an approval nobody decided in time',
    { Error: 'States.Timeout', Cause: '' },
    undefined,
    { event: 'failed', error: 'ApprovalTimedOut', cause: APPROVAL_TIMED_OUT_CAUSE },
  ],
  [
    'an environment rolled back, by its own error',
    child('DeploymentRolledBack', 'x'),
    { Error: 'DeploymentRolledBack', Cause: 'rolled back to web:1', Status: 'FAILED' },
    { event: 'rolled-back', error: 'DeploymentRolledBack', cause: 'rolled back to web:1' },
  ],
  [
    'a failed wave, which was rolled back as a whole',
    child('WaveFailed', 'x'),
    { Error: 'WaveFailed', Cause: 'wave 1 of prod: 2 of 6 targets failed' },
    { event: 'rolled-back', error: 'WaveFailed', cause: 'wave 1 of prod: 2 of 6 targets failed' },
  ],
  [
    'an environment that failed before it changed anything',
    child('RoleNotAssumable', 'x'),
    { Error: 'RoleNotAssumable', Cause: 'denied' },
    { event: 'failed', error: 'RoleNotAssumable', cause: 'denied' },
  ],
  [
    'an environment that ended without an error of its own',
    { Error: 'States.TaskFailed', Cause: '{"ExecutionArn":"arn:x","Status":"ABORTED"}' },
    { Status: 'ABORTED' },
    { event: 'failed', error: 'EnvironmentNotCompleted', cause: 'ABORTED' },
  ],
  [
    'an environment whose execution could not start, by the start’s own error',
    { Error: 'StepFunctions.ExecutionAlreadyExistsException', Cause: 'Execution already exists: web-main-prod' },
    undefined,
    {
      event: 'failed',
      error: 'StepFunctions.ExecutionAlreadyExistsException',
      cause: 'Execution already exists: web-main-prod',
    },
  ],
  [
    'a child failure that could not be read, as caught',
    { Error: 'States.TaskFailed', Cause: 'unreadable' },
    {},
    { event: 'failed', error: 'States.TaskFailed', cause: 'unreadable' },
  ],
];

describe('pipelineExit', () => {
  it.each(cases)('ends %s', (_, caught, explained, expected) => {
    expect(pipelineExit(caught, explained)).toEqual(expected);
  });

  it('never ends without a cause, which the Fail state must have', () => {
    expect(pipelineExit({ Error: 'States.Runtime' })).toEqual({
      event: 'failed',
      error: 'States.Runtime',
      cause: 'no cause was given',
    });
  });
});
