// The deploy-target workflow's ASL, built from crossdeploy's shared states (./asl.ts); written to deploy-target.asl.json.

import { catchAll, lambdaTask, nestedExecution, type State, stateMachineArn, tokenWait } from './asl';

/**
 * The target's revision as the wave engine carries it (core/contracts.ts revisionRef): the task definition the
 * service ran before, to roll back to, and the one this deployment registered.
 */
const targetRevision: State = {
  'previous.$': '$.revision.previousTaskDefinitionArn',
  'current.$': '$.revision.taskDefinitionArn',
};

/** The ledger's record of this target's deployment (functions/record-deployment.ts), in one of its phases. */
const ledgerEntry = (phase: string, facts: State): State => ({
  phase,
  'deploymentId.$': '$.deployment.deploymentId',
  'serviceName.$': '$.deployment.serviceName',
  'environment.$': '$.deployment.environment',
  'target.$': '$.target',
  'executionName.$': '$$.Execution.Name',
  'startedAt.$': '$$.Execution.StartTime',
  'commit.$': '$.deployment.commit',
  'image.$': '$.deployment.image',
  'context.$': '$.deployment.context',
  ...facts,
});

export const definition: State = {
  Comment:
    "crossdeploy: deploy one service to one account and region. Create the service from its template where it is missing, then render, register, update, wait for ECS's event, bake with the alarms watched; roll back on any failure.",
  StartAt: 'Assume deploy role in target account',
  TimeoutSeconds: 86400,
  States: {
    'Assume deploy role in target account': lambdaTask('AssumeDeployRole', {
      ResultPath: '$.role',
      Next: 'Check image in target region',
      Catch: [catchAll('Record failed deployment in ledger')],
    }),
    'Check image in target region': lambdaTask('CheckImageReplica', {
      Comment:
        "Tasks pull the image from their own region's replica, pinned by the same digest: it must be there before the revision names it.",
      ResultPath: '$.replica',
      Next: 'Is the image in the target region?',
      Catch: [catchAll('Record failed deployment in ledger')],
    }),
    'Is the image in the target region?': {
      Type: 'Choice',
      Choices: [
        {
          Variable: '$.replica.found',
          BooleanEquals: true,
          Next: 'Does the service come from a template?',
        },
      ],
      Default: 'Wait for image replica',
    },
    'Does the service come from a template?': {
      Type: 'Choice',
      Comment:
        'A service without a template was created by its team: the deploy only updates it. One with a template is created by its first deploy to each target.',
      Choices: [{ Variable: '$.deployment.serviceInstance', IsNull: true, Next: 'Register task definition revision' }],
      Default: 'Look for the service instance',
    },
    'Look for the service instance': lambdaTask('FindServiceInstance', {
      Comment:
        "After the replica check: a service the template creates starts with the deployment's image, which must be in the region by then.",
      ResultPath: '$.instance',
      Next: 'Is the service instance as the map says?',
      Catch: [catchAll('Record failed deployment in ledger')],
    }),
    'Is the service instance as the map says?': {
      Type: 'Choice',
      Choices: [{ Variable: '$.instance.current', BooleanEquals: true, Next: 'Register task definition revision' }],
      Default: 'Create or update the service instance',
    },
    'Create or update the service instance': nestedExecution({
      Comment:
        "The service template's stack, fed by the environment's stack outputs and this deployment's image: created by the first deploy to the target, updated by the first deploy after the map pins another version. A stack CloudFormation rolled back is back where it was: the target fails with its cause. Then the image deploys as on every push, from the revision the stack registered.",
      Parameters: {
        StateMachineArn: stateMachineArn('DeployStack'),
        // This execution's own name (deploy-environment names it so), in deploy-stack: an abort finds it by name.
        'Name.$': "States.Format('{}-{}-{}', $.deployment.deploymentId, $.target.account, $.target.region)",
        Input: {
          'deployment.$': '$.instance.stack.deployment',
          'target.$': '$.instance.stack.target',
          'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id',
        },
      },
      ResultSelector: {
        current: true,
        'stack.$': '$.Output.target.stackName',
        'summary.$': '$.Output.summary',
      },
      ResultPath: '$.instance',
      Next: 'Register task definition revision',
      Catch: [catchAll('Read service instance failure')],
    }),
    'Read service instance failure': lambdaTask('ExplainFailure', {
      Comment:
        "The stack deployment's own error (StackRolledBack, StackParametersUnresolved, ...) and cause, not the nested execution's wrapper around them.",
      Parameters: { 'failure.$': '$.failure' },
      ResultPath: '$.instanceFailure',
      Next: 'Did the service instance say why?',
      Catch: [catchAll('Record failed deployment in ledger', '$.explainError')],
    }),
    'Did the service instance say why?': {
      Type: 'Choice',
      Comment: 'A stack deployment stopped or timed out names no error of its own: the wrapper says how it ended.',
      Choices: [
        { Variable: '$.instanceFailure.failure.Cause', IsPresent: true, Next: "Take the service instance's failure" },
      ],
      Default: 'Record failed deployment in ledger',
    },
    "Take the service instance's failure": {
      Type: 'Pass',
      Parameters: {
        'Error.$': '$.instanceFailure.failure.Error',
        'Cause.$': '$.instanceFailure.failure.Cause',
      },
      ResultPath: '$.failure',
      Next: 'Record failed deployment in ledger',
    },
    'Wait for image replica': {
      Type: 'Wait',
      SecondsPath: '$.deployment.ecr.replica.intervalSeconds',
      Next: 'Check image in target region',
    },
    'Register task definition revision': lambdaTask('RegisterTaskDefinition', {
      ResultPath: '$.revision',
      Next: 'Record deployment in ledger',
      Catch: [catchAll('Record failed deployment in ledger')],
    }),
    'Record deployment in ledger': lambdaTask('RecordDeployment', {
      Comment:
        'Recorded before the service changes: an abort or a rollback always finds this target, with the revision to go back to.',
      Parameters: ledgerEntry('started', { 'revision.$': '$.revision' }),
      ResultPath: null,
      Next: 'Update service in target account',
      Catch: [catchAll('Record failed deployment in ledger')],
    }),
    'Update service in target account': lambdaTask('UpdateService', {
      ResultPath: '$.progress',
      Next: 'Wait for ECS to finish the rollout',
      Catch: [catchAll('Describe failed update', '$.checkError')],
    }),
    'Describe failed update': {
      Type: 'Pass',
      Comment:
        'The update may have reached ECS even though its answer did not: put the previous revision back to be sure.',
      Parameters: {
        state: 'FAILED',
        summary: 'the service update could not be confirmed',
        failure: {
          check: 'rollout',
          evidence: 'the service update could not be confirmed',
          'failure.$': '$.checkError',
        },
      },
      ResultPath: '$.progress',
      Next: 'Roll back to previous revision',
    },
    'Wait for ECS to finish the rollout': tokenWait('AwaitRollout', {
      Comment:
        "Ends when the target forwards ECS's SERVICE_DEPLOYMENT_COMPLETED or SERVICE_DEPLOYMENT_FAILED for this very deployment (functions/resume-target-wait.ts), or at once when the rollout had ended before the wait began. ECS sends its events on a best-effort basis: when none came in checkInSeconds, the rollout is checked once, and waited for again while it goes on.",
      Payload: {
        'target.$': '$.target',
        'deployRole.$': '$.deployment.deployRole',
        'taskDefinitionArn.$': '$.revision.taskDefinitionArn',
        'progress.$': '$.progress',
      },
      HeartbeatSecondsPath: '$.progress.checkInSeconds',
      ResultPath: '$.progress',
      Next: 'Is the rollout done?',
      Catch: [
        {
          ErrorEquals: ['States.HeartbeatTimeout', 'States.Timeout'],
          ResultPath: '$.waitTimeout',
          Next: 'Check rollout',
        },
        catchAll('Describe failed check', '$.checkError'),
      ],
    }),
    'Check rollout': lambdaTask('CheckRollout', {
      Comment:
        'No event came in time, or ECS failed the deployment: one read of the service says where it stands, and why.',
      Parameters: {
        'target.$': '$.target',
        'deployRole.$': '$.deployment.deployRole',
        'taskDefinitionArn.$': '$.revision.taskDefinitionArn',
        'rollout.$': '$.deployment.rollout',
        'progress.$': '$.progress',
      },
      ResultPath: '$.progress',
      Catch: [catchAll('Describe failed check', '$.checkError')],
      Next: 'Is the rollout done?',
    }),
    'Is the rollout done?': {
      Type: 'Choice',
      Choices: [
        {
          Variable: '$.progress.state',
          StringEquals: 'IN_PROGRESS',
          Next: 'Wait for ECS to finish the rollout',
        },
        {
          Variable: '$.progress.state',
          StringEquals: 'ECS_FAILED',
          Next: 'Check rollout',
        },
        {
          And: [
            {
              Variable: '$.progress.state',
              StringEquals: 'COMPLETED',
            },
            {
              Variable: '$.deployment.bake.checks',
              NumericGreaterThan: 0,
            },
          ],
          Next: 'Bake with alarms watched',
        },
        {
          Variable: '$.progress.state',
          StringEquals: 'COMPLETED',
          Next: 'Record success in ledger',
        },
      ],
      Default: 'Roll back to previous revision',
    },
    'Bake with alarms watched': tokenWait('AwaitBake', {
      Comment:
        "Ends at once when an alarm of the environment in the target goes to ALARM (functions/resume-target-wait.ts) or already is. Otherwise the bake's time, or the safety net's share of a longer bake, runs out and a check of the whole health follows.",
      Payload: {
        'target.$': '$.target',
        'deployRole.$': '$.deployment.deployRole',
        'health.$': '$.deployment.health',
        'progress.$': '$.progress',
      },
      TimeoutSecondsPath: '$.progress.bakeWaitSeconds',
      ResultPath: '$.progress',
      Next: 'Is the bake over?',
      Catch: [
        { ErrorEquals: ['States.Timeout'], ResultPath: '$.waitTimeout', Next: 'Check health during bake' },
        catchAll('Describe failed check', '$.checkError'),
      ],
    }),
    'Check health during bake': lambdaTask('CheckHealth', {
      Parameters: {
        'target.$': '$.target',
        'deployRole.$': '$.deployment.deployRole',
        'taskDefinitionArn.$': '$.revision.taskDefinitionArn',
        'health.$': '$.deployment.health',
        'progress.$': '$.progress',
      },
      ResultPath: '$.progress',
      Catch: [catchAll('Describe failed check', '$.checkError')],
      Next: 'Is the bake over?',
    }),
    'Is the bake over?': {
      Type: 'Choice',
      Choices: [
        {
          Variable: '$.progress.state',
          StringEquals: 'UNHEALTHY',
          Next: 'Roll back to previous revision',
        },
        {
          Variable: '$.progress.bakeSecondsLeft',
          NumericGreaterThan: 0,
          Next: 'Bake with alarms watched',
        },
      ],
      Default: 'Record success in ledger',
    },
    'Describe failed check': {
      Type: 'Pass',
      Parameters: {
        state: 'FAILED',
        summary: 'a check could not run',
        failure: {
          check: 'rollout',
          evidence: 'a check could not run',
          'failure.$': '$.checkError',
        },
      },
      ResultPath: '$.progress',
      Next: 'Roll back to previous revision',
    },
    'Roll back to previous revision': nestedExecution({
      Parameters: {
        StateMachineArn: stateMachineArn('RollbackTarget'),
        Input: {
          'deploymentId.$': '$.deployment.deploymentId',
          'serviceName.$': '$.deployment.serviceName',
          'environment.$': '$.deployment.environment',
          'target.$': '$.target',
          'deployRole.$': '$.deployment.deployRole',
          revision: targetRevision,
          'rollout.$': '$.deployment.rollout',
          'reason.$': '$.progress.failure',
          'deploymentConfiguration.$': '$.revision.deploymentConfiguration',
          'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id',
        },
      },
      ResultSelector: {
        'cause.$': '$.Output.cause',
      },
      ResultPath: '$.rollback',
      Next: 'Report rolled back deployment',
    }),
    'Report rolled back deployment': {
      Type: 'Fail',
      Error: 'DeploymentRolledBack',
      CausePath: '$.rollback.cause',
    },
    'Record success in ledger': lambdaTask('RecordDeployment', {
      Parameters: ledgerEntry('succeeded', { 'revision.$': '$.revision' }),
      ResultPath: null,
      Next: 'Deployment succeeded',
      Catch: [catchAll('Deployment succeeded', '$.ledgerError')],
    }),
    'Deployment succeeded': {
      Type: 'Pass',
      Parameters: {
        succeeded: true,
        'target.$': '$.target',
        'taskDefinitionArn.$': '$.revision.taskDefinitionArn',
        revision: targetRevision,
        'summary.$': '$.progress.summary',
      },
      End: true,
    },
    'Record failed deployment in ledger': lambdaTask('RecordDeployment', {
      Comment: "Nothing in the target account was changed yet: record why, and fail with the step's own error.",
      Parameters: ledgerEntry('failed', { 'failure.$': '$.failure' }),
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
