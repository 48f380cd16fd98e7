// The deploy-stack workflow's ASL, built from crossdeploy's shared states (./asl.ts); written to deploy-stack.asl.json.

import { catchAll, lambdaTask, type State } from './asl';

/** The target and the role every step acts in it with. */
const inTarget: State = { 'target.$': '$.target', 'deployRole.$': '$.deployment.deployRole' };

export const definition: State = {
  Comment:
    "crossdeploy: deploy one template version to one stack in one account and region, through a change set. CloudFormation rolls a failed stack back by itself; the wave's rollback brings back the version before.",
  StartAt: 'Assume deploy role in target account',
  TimeoutSeconds: 86400,
  States: {
    'Assume deploy role in target account': lambdaTask('AssumeDeployRole', {
      ResultPath: '$.role',
      Next: 'Create change set in target account',
      Catch: [catchAll('Deployment failed')],
    }),
    'Create change set in target account': lambdaTask('CreateStackChangeSet', {
      Comment: 'Nothing changes yet: CloudFormation prepares the change set while the workflow waits.',
      Parameters: { 'deployment.$': '$.deployment', 'target.$': '$.target' },
      ResultPath: '$.changeSet',
      Retry: [{ ErrorEquals: ['StackBusy'], IntervalSeconds: 30, MaxAttempts: 20, BackoffRate: 1 }],
      Next: 'Wait for change set',
      Catch: [catchAll('Deployment failed')],
    }),
    'Wait for change set': {
      Type: 'Wait',
      SecondsPath: '$.deployment.rollout.intervalSeconds',
      Next: 'Check change set',
    },
    'Check change set': lambdaTask('CheckStackChangeSet', {
      Parameters: {
        ...inTarget,
        'changeSetId.$': '$.changeSet.changeSetId',
        'rollout.$': '$.deployment.rollout',
        'checks.$': '$.changeSet.checks',
      },
      ResultSelector: { 'state.$': '$.state', 'checks.$': '$.checks' },
      ResultPath: '$.changeSetProgress',
      Next: 'Is the change set ready?',
      Catch: [catchAll('Deployment failed')],
    }),
    'Is the change set ready?': {
      Type: 'Choice',
      Choices: [
        { Variable: '$.changeSetProgress.state', StringEquals: 'READY', Next: 'Execute change set in target account' },
        { Variable: '$.changeSetProgress.state', StringEquals: 'NO_CHANGES', Next: 'Stack already up to date' },
      ],
      Default: 'Count change set check',
    },
    'Count change set check': {
      Type: 'Pass',
      InputPath: '$.changeSetProgress.checks',
      ResultPath: '$.changeSet.checks',
      Next: 'Wait for change set',
    },
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
    'Execute change set in target account': lambdaTask('ExecuteStackChangeSet', {
      Parameters: { ...inTarget, 'changeSetId.$': '$.changeSet.changeSetId' },
      ResultPath: '$.progress',
      Next: 'Wait for stack',
      Catch: [catchAll('Deployment failed')],
    }),
    'Wait for stack': {
      Type: 'Wait',
      SecondsPath: '$.deployment.rollout.intervalSeconds',
      Next: 'Check stack',
    },
    'Check stack': lambdaTask('CheckStack', {
      Comment:
        'A stack CloudFormation rolled back fails here, naming the resource that failed and why; the stack is back where it was.',
      Parameters: { ...inTarget, 'rollout.$': '$.deployment.rollout', 'progress.$': '$.progress' },
      ResultPath: '$.progress',
      Next: 'Is the stack done?',
      Catch: [catchAll('Deployment failed')],
    }),
    'Is the stack done?': {
      Type: 'Choice',
      Choices: [{ Variable: '$.progress.state', StringEquals: 'IN_PROGRESS', Next: 'Wait for stack' }],
      Default: 'Deployment succeeded',
    },
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
    'Deployment failed': {
      Type: 'Fail',
      ErrorPath: '$.failure.Error',
      CausePath: '$.failure.Cause',
    },
  },
};
