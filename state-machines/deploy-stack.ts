// The deploy-stack workflow's ASL, built from crossdeploy's shared states (./asl.ts); written to deploy-stack.asl.json.

import { catchAll, lambdaTask, nestedExecution, type State, stateMachineArn } from './asl';
import { changeSetLoop, executeAndWait, type StackLoopPaths } from './stack-states';

/** Where the stack loops find the role and the check budget, and where their failures go. */
const loop: StackLoopPaths = {
  deployRole: '$.deployment.deployRole',
  rollout: '$.deployment.rollout',
  onFailure: 'Record failed change set in ledger',
};

/** The ledger's record of this stack's deployment (functions/record-stack-deployment.ts), in one of its phases. */
const ledgerEntry = (phase: string, facts: State = {}): State => ({
  phase,
  'deployment.$': '$.deployment',
  'target.$': '$.target',
  'executionName.$': '$$.Execution.Name',
  'startedAt.$': '$$.Execution.StartTime',
  ...facts,
});

/** Once the change set exists: the stack's id, and what the stack ran before. */
const withChangeSet: State = { 'changeSet.$': '$.changeSet' };

export const definition: State = {
  Comment:
    "crossdeploy: deploy one template to one stack in one account and region, through a change set, then bake it when the environment bakes. CloudFormation rolls a failed stack back by itself; a failed bake and the wave's rollback bring back the version before.",
  StartAt: 'Assume deploy role in target account',
  TimeoutSeconds: 86400,
  States: {
    'Assume deploy role in target account': lambdaTask('AssumeDeployRole', {
      ResultPath: '$.role',
      Next: 'Create change set in target account',
      Catch: [catchAll('Record failed deployment in ledger')],
    }),
    'Create change set in target account': lambdaTask('CreateStackChangeSet', {
      Comment: 'Nothing changes yet: CloudFormation prepares the change set while the workflow waits.',
      Parameters: { 'deployment.$': '$.deployment', 'target.$': '$.target' },
      ResultPath: '$.changeSet',
      Retry: [{ ErrorEquals: ['StackBusy'], IntervalSeconds: 30, MaxAttempts: 20, BackoffRate: 1 }],
      Next: 'Wait for change set',
      Catch: [catchAll('Record failed deployment in ledger')],
    }),
    ...changeSetLoop(loop, { ready: 'Record deployment in ledger', noChanges: 'Record unchanged stack in ledger' }),
    'Record unchanged stack in ledger': lambdaTask('RecordStackDeployment', {
      Comment: 'The stack runs this version: a deployment that succeeded, which status reads as what runs there.',
      Parameters: ledgerEntry('succeeded', withChangeSet),
      ResultPath: null,
      Next: 'Stack already up to date',
      Catch: [catchAll('Stack already up to date', '$.ledgerError')],
    }),
    'Stack already up to date': {
      Type: 'Pass',
      Comment: 'The stack runs this version with these inputs already: a success with nothing to put back.',
      Parameters: {
        succeeded: true,
        'target.$': '$.target',
        revision: { 'previous.$': '$.changeSet.revision.previous', 'current.$': '$.changeSet.revision.current' },
        summary: 'the stack already runs this version with these inputs',
        changed: false,
      },
      End: true,
    },
    'Record deployment in ledger': lambdaTask('RecordStackDeployment', {
      Comment:
        'Recorded before the stack changes: an abort or a wave that outlives this execution finds the stack, with what it ran before.',
      Parameters: ledgerEntry('started', withChangeSet),
      ResultPath: null,
      Next: 'Execute change set in target account',
      Catch: [catchAll('Record failed change set in ledger')],
    }),
    ...executeAndWait(
      loop,
      'Is the stack done?',
      'Is there a bake?',
      'A stack CloudFormation rolled back fails here, naming the resource that failed and why; the stack is back where it was.',
    ),
    'Is there a bake?': {
      Type: 'Choice',
      Comment: "Environments' and service instances' stacks have no bake; an application stack bakes like a service.",
      Choices: [{ Variable: '$.deployment.bake.checks', NumericGreaterThan: 0, Next: 'Start bake' }],
      Default: 'Record success in ledger',
    },
    'Start bake': {
      Type: 'Pass',
      Parameters: { 'checksLeft.$': '$.deployment.bake.checks' },
      ResultPath: '$.bake',
      Next: 'Wait during bake',
    },
    'Wait during bake': {
      Type: 'Wait',
      SecondsPath: '$.deployment.bake.intervalSeconds',
      Next: 'Check stack health during bake',
    },
    'Check stack health during bake': lambdaTask('CheckStackHealth', {
      Parameters: {
        'target.$': '$.target',
        'deployRole.$': '$.deployment.deployRole',
        'health.$': '$.deployment.health',
        'bake.$': '$.bake',
      },
      ResultPath: '$.bake',
      Catch: [catchAll('Describe failed check', '$.checkError')],
      Next: 'Is the bake over?',
    }),
    'Is the bake over?': {
      Type: 'Choice',
      Choices: [
        { Variable: '$.bake.state', StringEquals: 'UNHEALTHY', Next: 'Roll back the stack' },
        { Variable: '$.bake.checksLeft', NumericGreaterThan: 0, Next: 'Wait during bake' },
      ],
      Default: 'Record success in ledger',
    },
    'Describe failed check': {
      Type: 'Pass',
      Parameters: {
        state: 'UNHEALTHY',
        failure: { check: 'alarm', evidence: 'a bake check could not run', 'failure.$': '$.checkError' },
      },
      ResultPath: '$.bake',
      Next: 'Roll back the stack',
    },
    'Roll back the stack': nestedExecution({
      Comment:
        'The stack changed and then failed its bake: it goes back to what it ran before, as a failed wave would put it back.',
      Parameters: {
        StateMachineArn: stateMachineArn('RollbackStack'),
        Input: {
          'deploymentId.$': '$.deployment.deploymentId',
          'serviceName.$': '$.deployment.serviceName',
          'environment.$': '$.deployment.environment',
          'target.$': '$.target',
          'deployRole.$': '$.deployment.deployRole',
          revision: { 'previous.$': '$.changeSet.revision.previous' },
          'rollout.$': '$.deployment.rollout',
          'reason.$': '$.bake.failure',
          'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id',
        },
      },
      ResultSelector: { 'cause.$': '$.Output.cause' },
      ResultPath: '$.rollback',
      Next: 'Report rolled back deployment',
    }),
    'Report rolled back deployment': {
      Type: 'Fail',
      Error: 'DeploymentRolledBack',
      CausePath: '$.rollback.cause',
    },
    'Record success in ledger': lambdaTask('RecordStackDeployment', {
      Comment: 'The stack is deployed: a ledger that cannot be written does not undo it.',
      Parameters: ledgerEntry('succeeded', withChangeSet),
      ResultPath: null,
      Next: 'Deployment succeeded',
      Catch: [catchAll('Deployment succeeded', '$.ledgerError')],
    }),
    'Deployment succeeded': {
      Type: 'Pass',
      Parameters: {
        succeeded: true,
        'target.$': '$.target',
        revision: { 'previous.$': '$.changeSet.revision.previous', 'current.$': '$.changeSet.revision.current' },
        'summary.$': '$.progress.summary',
        'outputs.$': '$.progress.outputs',
        changed: true,
      },
      End: true,
    },
    'Record failed deployment in ledger': lambdaTask('RecordStackDeployment', {
      Comment: "Nothing in the target account was changed yet: record why, and fail with the step's own error.",
      Parameters: ledgerEntry('failed', { 'failure.$': '$.failure' }),
      ResultPath: null,
      Next: 'Deployment failed',
      Catch: [catchAll('Deployment failed', '$.ledgerError')],
    }),
    'Record failed change set in ledger': lambdaTask('RecordStackDeployment', {
      Comment:
        'The change set was refused, or CloudFormation rolled the stack back by itself (or could not): record why, with the stack it concerned.',
      Parameters: ledgerEntry('failed', { ...withChangeSet, 'failure.$': '$.failure' }),
      ResultPath: null,
      Next: 'Deployment failed',
      Catch: [catchAll('Deployment failed', '$.ledgerError')],
    }),
    'Deployment failed': {
      Type: 'Fail',
      ErrorPath: '$.failure.Error',
      CausePath: '$.failure.Cause',
    },
  },
};
