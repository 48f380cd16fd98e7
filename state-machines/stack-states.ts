// The loops deploy-stack and rollback-stack share: waiting for CloudFormation to prepare a change set, and for the
// stack to settle once it runs. Each workflow says where its role and its check budget are in its own input, and
// where its failures go.

import { catchAll, lambdaTask, type States } from './asl';

export interface StackLoopPaths {
  /** JSONPath of the deploy role in the workflow's input. */
  deployRole: string;
  /** JSONPath of the check loop (interval and checks) the waits follow. */
  rollout: string;
  /** The state every failure is caught to. */
  onFailure: string;
}

/** `Wait for change set` → `Check change set` → `Is the change set ready?`, counting checks in `$.changeSet.checks`. */
export function changeSetLoop(paths: StackLoopPaths, next: { ready: string; noChanges: string }): States {
  return {
    'Wait for change set': {
      Type: 'Wait',
      SecondsPath: `${paths.rollout}.intervalSeconds`,
      Next: 'Check change set',
    },
    'Check change set': lambdaTask('CheckStackChangeSet', {
      Parameters: {
        'target.$': '$.target',
        'deployRole.$': paths.deployRole,
        'changeSetId.$': '$.changeSet.changeSetId',
        'rollout.$': paths.rollout,
        'checks.$': '$.changeSet.checks',
      },
      ResultSelector: { 'state.$': '$.state', 'checks.$': '$.checks' },
      ResultPath: '$.changeSetProgress',
      Next: 'Is the change set ready?',
      Catch: [catchAll(paths.onFailure)],
    }),
    'Is the change set ready?': {
      Type: 'Choice',
      Choices: [
        { Variable: '$.changeSetProgress.state', StringEquals: 'READY', Next: next.ready },
        { Variable: '$.changeSetProgress.state', StringEquals: 'NO_CHANGES', Next: next.noChanges },
      ],
      Default: 'Count change set check',
    },
    'Count change set check': {
      Type: 'Pass',
      InputPath: '$.changeSetProgress.checks',
      ResultPath: '$.changeSet.checks',
      Next: 'Wait for change set',
    },
  };
}

/** `Execute change set in target account`, then the stack's own loop, which `isDone` ends when it settled. */
export function executeAndWait(paths: StackLoopPaths, isDone: string, next: string, comment: string): States {
  return {
    'Execute change set in target account': lambdaTask('ExecuteStackChangeSet', {
      Parameters: {
        'target.$': '$.target',
        'deployRole.$': paths.deployRole,
        'changeSetId.$': '$.changeSet.changeSetId',
      },
      ResultPath: '$.progress',
      Next: 'Wait for stack',
      Catch: [catchAll(paths.onFailure)],
    }),
    ...stackLoop(paths, isDone, next, comment),
  };
}

/** `Wait for stack` → `Check stack` → `isDone`, which leaves for `next` once the stack is no longer in progress. */
export function stackLoop(paths: StackLoopPaths, isDone: string, next: string, comment: string): States {
  return {
    'Wait for stack': {
      Type: 'Wait',
      SecondsPath: `${paths.rollout}.intervalSeconds`,
      Next: 'Check stack',
    },
    'Check stack': lambdaTask('CheckStack', {
      Comment: comment,
      Parameters: {
        'target.$': '$.target',
        'deployRole.$': paths.deployRole,
        'rollout.$': paths.rollout,
        'progress.$': '$.progress',
      },
      ResultPath: '$.progress',
      Next: isDone,
      Catch: [catchAll(paths.onFailure)],
    }),
    [isDone]: {
      Type: 'Choice',
      Choices: [{ Variable: '$.progress.state', StringEquals: 'IN_PROGRESS', Next: 'Wait for stack' }],
      Default: next,
    },
  };
}
