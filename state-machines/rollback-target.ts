// The rollback-target workflow's ASL, built from crossdeploy's shared states (./asl.ts); written to rollback-target.asl.json.

import { catchAll, lambdaTask, nestedExecution, type State, stateMachineArn } from './asl';

/** The ledger's record of this target's rollback (functions/record-deployment.ts), in one of its phases. */
const ledgerEntry = (phase: string, facts: State = {}): State => ({
  phase,
  'deploymentId.$': '$.deploymentId',
  'serviceName.$': '$.serviceName',
  'environment.$': '$.environment',
  'target.$': '$.target',
  'taskDefinitionArn.$': '$.revision.previous',
  'reason.$': '$.reason',
  ...facts,
});

export const definition: State = {
  Comment:
    'crossdeploy: put one service in one account and region back on the revision it ran before, and wait until it is steady; first its instance stack, when the deployment moved it to another template version.',
  StartAt: 'Did the deployment change the service instance?',
  TimeoutSeconds: 7200,
  States: {
    'Did the deployment change the service instance?': lambdaTask('FindInstanceChange', {
      Comment:
        "A deployment that moved the service's instance stack to another template version changed more than the service: the ledger's record of that stack deployment says what it ran before.",
      Parameters: {
        'deploymentId.$': '$.deploymentId',
        'serviceName.$': '$.serviceName',
        'environment.$': '$.environment',
        'target.$': '$.target',
      },
      ResultPath: '$.instance',
      Next: 'Put the service instance back?',
      Catch: [catchAll('Record rollback error in ledger')],
    }),
    'Put the service instance back?': {
      Type: 'Choice',
      Choices: [{ Variable: '$.instance.changed', BooleanEquals: true, Next: 'Put the service instance back' }],
      Default: 'Roll back service in target account',
    },
    'Put the service instance back': nestedExecution({
      Comment:
        'The stack first, on the template version and parameters it had: then the service goes back on the revision it ran before, whatever revision the stack registered.',
      Parameters: {
        StateMachineArn: stateMachineArn('RollbackStack'),
        Input: {
          'deploymentId.$': '$.instance.deploymentId',
          'serviceName.$': '$.serviceName',
          'environment.$': '$.environment',
          'target.$': '$.instance.stack',
          'deployRole.$': '$.deployRole',
          'revision.$': '$.instance.revision',
          'rollout.$': '$.rollout',
          'reason.$': '$.reason',
          'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id',
        },
      },
      ResultPath: null,
      Next: 'Roll back service in target account',
      Catch: [catchAll('Record rollback error in ledger')],
    }),
    'Roll back service in target account': lambdaTask('RollBackService', {
      ResultPath: '$.progress',
      Next: 'Wait for rollback',
      Catch: [catchAll('Record rollback error in ledger')],
    }),
    'Wait for rollback': {
      Type: 'Wait',
      SecondsPath: '$.rollout.intervalSeconds',
      Next: 'Check rollback',
    },
    'Check rollback': lambdaTask('CheckRollout', {
      Parameters: {
        'target.$': '$.target',
        'deployRole.$': '$.deployRole',
        'taskDefinitionArn.$': '$.revision.previous',
        'rollout.$': '$.rollout',
        'progress.$': '$.progress',
      },
      ResultPath: '$.progress',
      Next: 'Is the rollback done?',
      Catch: [catchAll('Record rollback error in ledger')],
    }),
    'Is the rollback done?': {
      Type: 'Choice',
      Choices: [
        {
          Variable: '$.progress.state',
          StringEquals: 'IN_PROGRESS',
          Next: 'Wait for rollback',
        },
        {
          Variable: '$.progress.state',
          StringEquals: 'COMPLETED',
          Next: 'Was a deployment configuration recorded?',
        },
      ],
      Default: 'Describe unsettled rollback',
    },
    'Was a deployment configuration recorded?': {
      Type: 'Choice',
      Comment:
        'Rollbacks started from a record of the deployment that kept no configuration leave the service as the rollback set it.',
      Choices: [
        {
          Variable: '$.deploymentConfiguration',
          IsPresent: true,
          Next: 'Restore deployment configuration',
        },
      ],
      Default: 'Record rollback in ledger',
    },
    'Restore deployment configuration': lambdaTask('RestoreConfiguration', {
      Comment:
        "Only now that the rollback has settled: armed during it, the team's alarms or circuit breaker could roll it back to the bad revision.",
      Parameters: {
        'target.$': '$.target',
        'deployRole.$': '$.deployRole',
        'deploymentConfiguration.$': '$.deploymentConfiguration',
      },
      ResultPath: null,
      Catch: [catchAll('Say the deployment configuration was not restored', '$.restoreError')],
      Next: 'Record rollback in ledger',
    }),
    'Say the deployment configuration was not restored': {
      Type: 'Pass',
      Comment:
        'The service is back on its revision, so the rollback stands; the cause tells the operator what is left to do.',
      Parameters: {
        'cause.$':
          "States.Format('{}; its deployment configuration could not be put back ({}): restore it with UpdateService', $.progress.cause, $.restoreError.Error)",
      },
      ResultPath: '$.progress',
      Next: 'Record rollback in ledger',
    },
    'Describe unsettled rollback': {
      Type: 'Pass',
      Comment: 'A rollback that did not settle leaves through the same exit as a step that failed, with its own error.',
      Parameters: { Error: 'RollbackFailed', 'Cause.$': '$.progress.summary' },
      ResultPath: '$.failure',
      Next: 'Record rollback error in ledger',
    },
    'Record rollback error in ledger': lambdaTask('RecordDeployment', {
      Parameters: ledgerEntry('rollback-failed', { 'failure.$': '$.failure' }),
      ResultPath: null,
      Catch: [catchAll('Rollback failed', '$.ledgerError')],
      Next: 'Rollback failed',
    }),
    'Rollback failed': {
      Type: 'Fail',
      ErrorPath: '$.failure.Error',
      CausePath: '$.failure.Cause',
    },
    'Record rollback in ledger': lambdaTask('RecordDeployment', {
      Parameters: ledgerEntry('rolled-back'),
      ResultPath: null,
      Catch: [catchAll('Rollback completed', '$.ledgerError')],
      Next: 'Rollback completed',
    }),
    'Rollback completed': {
      Type: 'Pass',
      Parameters: {
        'target.$': '$.target',
        'taskDefinitionArn.$': '$.revision.previous',
        'cause.$': '$.progress.cause',
      },
      End: true,
    },
  },
};
