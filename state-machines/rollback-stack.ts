// The rollback-stack workflow's ASL, built from crossdeploy's shared states (./asl.ts); written to rollback-stack.asl.json.

import { catchAll, lambdaTask, type State } from './asl';
import { changeSetLoop, executeAndWait, type StackLoopPaths } from './stack-states';

const inTarget: State = { 'target.$': '$.target', 'deployRole.$': '$.deployRole' };

/** Where the stack loops find the role and the check budget, and where their failures go. */
const loop: StackLoopPaths = {
  deployRole: '$.deployRole',
  rollout: '$.rollout',
  onFailure: 'Record rollback error in ledger',
};

/** The ledger's record of the deployment this rollback undoes (functions/record-stack-deployment.ts). */
const ledgerEntry = (phase: string, facts: State = {}): State => ({
  phase,
  'deploymentId.$': '$.deploymentId',
  'serviceName.$': '$.serviceName',
  'environment.$': '$.environment',
  'target.$': '$.target',
  'reason.$': '$.reason',
  ...facts,
});

export const definition: State = {
  Comment:
    'crossdeploy: put one stack back on the template version and parameters it had before a deployment, or delete the stack the deployment created. Started by a failed wave for its targets that succeeded.',
  StartAt: 'Read what the stack ran before',
  TimeoutSeconds: 86400,
  States: {
    'Read what the stack ran before': {
      Type: 'Pass',
      Parameters: { 'restore.$': 'States.StringToJson($.revision.previous)' },
      ResultPath: '$.before',
      Next: 'Did the stack exist before?',
    },
    'Did the stack exist before?': {
      Type: 'Choice',
      Choices: [
        { Variable: '$.before.restore.template', IsNull: true, Next: 'Delete the stack the deployment created' },
      ],
      Default: 'Create change set back to previous version',
    },
    'Delete the stack the deployment created': lambdaTask('DeleteStack', {
      Parameters: inTarget,
      ResultPath: '$.progress',
      Next: 'Wait for stack',
      Catch: [catchAll('Record rollback error in ledger')],
    }),
    'Create change set back to previous version': lambdaTask('CreateStackChangeSet', {
      Parameters: {
        ...inTarget,
        'deploymentId.$': "States.Format('{}-rollback', $.deploymentId)",
        'restore.$': '$.before.restore',
      },
      ResultPath: '$.changeSet',
      Retry: [{ ErrorEquals: ['StackBusy'], IntervalSeconds: 30, MaxAttempts: 20, BackoffRate: 1 }],
      Next: 'Wait for change set',
      Catch: [catchAll('Record rollback error in ledger')],
    }),
    ...changeSetLoop(loop, { ready: 'Execute change set in target account', noChanges: 'Record rollback in ledger' }),
    ...executeAndWait(
      loop,
      'Is the stack back?',
      'Record rollback in ledger',
      'A stack that does not come back (its update back failed, or its deletion) fails the rollback.',
    ),
    'Record rollback in ledger': lambdaTask('RecordStackDeployment', {
      Comment: 'The stack is back: a ledger that cannot be written does not fail the rollback.',
      Parameters: ledgerEntry('rolled-back'),
      ResultPath: null,
      Next: 'Stack rolled back',
      Catch: [catchAll('Stack rolled back', '$.ledgerError')],
    }),
    'Stack rolled back': {
      Type: 'Pass',
      Parameters: {
        rolledBack: true,
        'target.$': '$.target',
        'cause.$':
          "States.Format('{}/{} stack {} rolled back: {}', $.target.account, $.target.region, $.target.stackName, $.reason.evidence)",
      },
      End: true,
    },
    'Record rollback error in ledger': lambdaTask('RecordStackDeployment', {
      Parameters: ledgerEntry('rollback-failed', { 'failure.$': '$.failure' }),
      ResultPath: null,
      Next: 'Rollback failed',
      Catch: [catchAll('Rollback failed', '$.ledgerError')],
    }),
    'Rollback failed': {
      Type: 'Fail',
      Error: 'RollbackFailed',
      CausePath: '$.failure.Cause',
    },
  },
};
