// The pipeline workflow's ASL, built from crossdeploy's shared states (./asl.ts); written to pipeline.asl.json.

import { catchAll, lambdaTask, nestedExecution, type State } from './asl';

export const definition: State = {
  Comment:
    'crossdeploy: one pushed commit of one service. Build once, then each environment of the branch in order: approval gate, lease, waves.',
  StartAt: 'Check the request against the map',
  States: {
    'Check the request against the map': lambdaTask('CheckPipelineRequest', {
      Comment: 'Whoever may start the pipeline must not be able to drop a gate, add a target or ship a foreign image.',
      ResultPath: null,
      Next: 'Is the image already built?',
    }),
    'Is the image already built?': {
      Type: 'Choice',
      Comment: 'A rollback brings the image it goes back to; a push builds one.',
      Choices: [
        {
          Variable: '$.built',
          IsPresent: true,
          Next: 'Find the image to roll back to',
        },
      ],
      Default: 'Build image once',
    },
    'Find the image to roll back to': lambdaTask('FindBuiltImage', {
      Comment: 'The ledger keeps the digest; the image index says what the image runs on, and that it is still there.',
      Parameters: {
        'repository.$': '$.repository',
        'digest.$': '$.built.image.digest',
        'orchestrator.$': '$.orchestrator',
      },
      ResultPath: '$.built',
      Next: 'Start with the first environment',
    }),
    'Build image once': {
      Type: 'Task',
      Comment:
        "The service's own project (its role pushes only its repository), on a CPU that runs the service's platforms; the buildspec is passed again because the source is overridden.",
      Resource: 'arn:aws:states:::codebuild:startBuild.sync',
      Parameters: {
        'ProjectName.$': "States.Format('${BuildProjectPrefix}{}', $.serviceName)",
        'SourceVersion.$': '$.commit',
        'SourceTypeOverride.$': '$.source.type',
        'SourceLocationOverride.$': '$.source.location',
        BuildspecOverride: '${BuildSpec}',
        'EnvironmentTypeOverride.$': '$.build.environmentType',
        'ImageOverride.$': '$.build.image',
        EnvironmentVariablesOverride: [
          {
            Name: 'CROSSDEPLOY_SERVICE',
            Type: 'PLAINTEXT',
            'Value.$': '$.serviceName',
          },
          {
            Name: 'CROSSDEPLOY_REPOSITORY',
            Type: 'PLAINTEXT',
            'Value.$': '$.repository',
          },
          {
            Name: 'CROSSDEPLOY_COMMIT',
            Type: 'PLAINTEXT',
            'Value.$': '$.commit',
          },
          {
            Name: 'CROSSDEPLOY_TEST_COMMAND',
            Type: 'PLAINTEXT',
            'Value.$': '$.test',
          },
          {
            Name: 'CROSSDEPLOY_PLATFORMS',
            Type: 'PLAINTEXT',
            'Value.$': '$.build.platforms',
          },
          {
            Name: 'CROSSDEPLOY_EMULATE',
            Type: 'PLAINTEXT',
            'Value.$': '$.build.emulate',
          },
        ],
      },
      ResultPath: null,
      Retry: [
        {
          ErrorEquals: ['CodeBuild.AccountLimitExceededException', 'CodeBuild.CodeBuildException'],
          IntervalSeconds: 10,
          MaxAttempts: 5,
          BackoffRate: 2,
          JitterStrategy: 'FULL',
        },
      ],
      Next: 'Find built image',
    },
    'Find built image': lambdaTask('FindBuiltImage', {
      Parameters: {
        'repository.$': '$.repository',
        'commit.$': '$.commit',
        'orchestrator.$': '$.orchestrator',
      },
      ResultPath: '$.built',
      Next: 'Start with the first environment',
    }),
    'Start with the first environment': {
      Type: 'Pass',
      Parameters: {
        index: 0,
        'count.$': 'States.ArrayLength($.stages)',
      },
      ResultPath: '$.cursor',
      Next: 'Pick next environment',
    },
    'Pick next environment': {
      Type: 'Pass',
      Parameters: {
        'stage.$': 'States.ArrayGetItem($.stages, $.cursor.index)',
        extras: {
          'image.$': '$.built.image',
          context: {
            'kind.$': '$.kind',
            'pipelineId.$': '$.pipelineId',
            approval: null,
            'requestedBy.$': '$.requestedBy',
          },
        },
      },
      ResultPath: '$.current',
      Next: 'Does the environment need approval?',
    },
    'Does the environment need approval?': {
      Type: 'Choice',
      Comment: 'Written as IsNull true: the local engine never matches IsNull false.',
      Choices: [
        {
          Variable: '$.current.stage.approval',
          IsNull: true,
          Next: 'Acquire deployment lease',
        },
      ],
      Default: 'Ask for approval',
    },
    'Ask for approval': {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: '${RequestApprovalFunctionArn}',
        Payload: {
          'taskToken.$': '$$.Task.Token',
          'executionArn.$': '$$.Execution.Id',
          'pipelineId.$': '$.pipelineId',
          'serviceName.$': '$.serviceName',
          'environment.$': '$.current.stage.environment',
          'commit.$': '$.commit',
          'author.$': '$.author',
          'message.$': '$.message',
          'image.$': '$.built.image',
          'stage.$': '$.current.stage',
          'kind.$': '$.kind',
        },
      },
      TimeoutSecondsPath: '$.current.stage.approval.timeoutSeconds',
      ResultSelector: {
        'approver.$': '$.approver',
        'comment.$': '$.comment',
      },
      ResultPath: '$.current.extras.context.approval',
      Retry: [
        {
          ErrorEquals: [
            'TransientAwsError',
            'Lambda.ServiceException',
            'Lambda.AWSLambdaException',
            'Lambda.SdkClientException',
            'Lambda.TooManyRequestsException',
          ],
          IntervalSeconds: 2,
          MaxAttempts: 6,
          BackoffRate: 2,
          MaxDelaySeconds: 30,
          JitterStrategy: 'FULL',
        },
      ],
      Catch: [
        {
          ErrorEquals: ['Superseded'],
          ResultPath: '$.failure',
          Next: 'Superseded by a newer commit',
        },
        {
          ErrorEquals: ['ApprovalRejected'],
          ResultPath: '$.failure',
          Next: 'Announce rejection',
        },
        {
          ErrorEquals: ['States.Timeout'],
          ResultPath: '$.failure',
          Next: 'Announce approval timeout',
        },
      ],
      Next: 'Acquire deployment lease',
    },
    'Superseded by a newer commit': {
      Type: 'Pass',
      Parameters: {
        result: 'superseded',
        'pipelineId.$': '$.pipelineId',
        'environment.$': '$.current.stage.environment',
        'reason.$': '$.failure.Cause',
      },
      End: true,
    },
    'Announce rejection': lambdaTask('AnnounceDeployment', {
      Parameters: {
        event: 'failed',
        'pipelineId.$': '$.pipelineId',
        'executionArn.$': '$$.Execution.Id',
        'serviceName.$': '$.serviceName',
        'environment.$': '$.current.stage.environment',
        'commit.$': '$.commit',
        'kind.$': '$.kind',
        failure: {
          Error: 'ApprovalRejected',
          'Cause.$': '$.failure.Cause',
        },
      },
      ResultPath: null,
      Catch: [catchAll('Approval rejected', '$.announceError')],
      Next: 'Approval rejected',
    }),
    'Approval rejected': {
      Type: 'Fail',
      Error: 'ApprovalRejected',
      CausePath: '$.failure.Cause',
    },
    'Announce approval timeout': lambdaTask('AnnounceDeployment', {
      Parameters: {
        event: 'failed',
        'pipelineId.$': '$.pipelineId',
        'executionArn.$': '$$.Execution.Id',
        'serviceName.$': '$.serviceName',
        'environment.$': '$.current.stage.environment',
        'commit.$': '$.commit',
        'kind.$': '$.kind',
        failure: {
          Error: 'ApprovalTimedOut',
          Cause: "no approver decided before the environment's approval timeout; nothing was deployed",
        },
      },
      ResultPath: null,
      Catch: [catchAll('Approval timed out', '$.announceError')],
      Next: 'Approval timed out',
    }),
    'Approval timed out': {
      Type: 'Fail',
      Error: 'ApprovalTimedOut',
      Cause: "no approver decided before the environment's approval timeout; nothing was deployed",
    },
    'Acquire deployment lease': lambdaTask('AcquireLease', {
      Parameters: {
        'lease.$': "States.Format('{}#{}', $.serviceName, $.current.stage.environment)",
        'holder.$': '$.pipelineId',
        ttlSeconds: 86400,
      },
      ResultPath: null,
      Next: 'Announce deployment started',
      Retry: [
        {
          ErrorEquals: ['LeaseHeld'],
          IntervalSeconds: 30,
          MaxAttempts: 240,
          BackoffRate: 1,
        },
      ],
    }),
    'Announce deployment started': lambdaTask('AnnounceDeployment', {
      Parameters: {
        event: 'started',
        'pipelineId.$': '$.pipelineId',
        'executionArn.$': '$$.Execution.Id',
        'serviceName.$': '$.serviceName',
        'environment.$': '$.current.stage.environment',
        'commit.$': '$.commit',
        'kind.$': '$.kind',
        failure: null,
      },
      ResultPath: null,
      Catch: [catchAll('Deploy environment', '$.announceError')],
      Next: 'Deploy environment',
    }),
    'Deploy environment': nestedExecution({
      Parameters: {
        StateMachineArn: '${DeployEnvironmentStateMachineArn}',
        'Name.$': '$.current.stage.plan.deployment.deploymentId',
        Input: {
          'deployment.$': 'States.JsonMerge($.current.stage.plan.deployment, $.current.extras, false)',
          'waves.$': '$.current.stage.plan.waves',
        },
      },
      ResultPath: null,
      Catch: [catchAll('Release lease after failure')],
      Next: 'Release deployment lease',
    }),
    'Release deployment lease': lambdaTask('ReleaseLease', {
      Parameters: {
        'lease.$': "States.Format('{}#{}', $.serviceName, $.current.stage.environment)",
        'holder.$': '$.pipelineId',
      },
      ResultPath: null,
      Next: 'Announce deployment succeeded',
    }),
    'Announce deployment succeeded': lambdaTask('AnnounceDeployment', {
      Parameters: {
        event: 'succeeded',
        'pipelineId.$': '$.pipelineId',
        'executionArn.$': '$$.Execution.Id',
        'serviceName.$': '$.serviceName',
        'environment.$': '$.current.stage.environment',
        'commit.$': '$.commit',
        'kind.$': '$.kind',
        failure: null,
      },
      ResultPath: null,
      Catch: [catchAll('Advance to next environment', '$.announceError')],
      Next: 'Advance to next environment',
    }),
    'Advance to next environment': {
      Type: 'Pass',
      Parameters: {
        'index.$': 'States.MathAdd($.cursor.index, 1)',
        'count.$': '$.cursor.count',
      },
      ResultPath: '$.cursor',
      Next: 'Any environments left?',
    },
    'Any environments left?': {
      Type: 'Choice',
      Choices: [
        {
          Variable: '$.cursor.index',
          NumericLessThanPath: '$.cursor.count',
          Next: 'Pick next environment',
        },
      ],
      Default: 'Pipeline succeeded',
    },
    'Pipeline succeeded': {
      Type: 'Pass',
      Parameters: {
        result: 'deployed',
        'pipelineId.$': '$.pipelineId',
        'serviceName.$': '$.serviceName',
        'commit.$': '$.commit',
        'image.$': '$.built.image',
      },
      End: true,
    },
    'Release lease after failure': lambdaTask('ReleaseLease', {
      Parameters: {
        'lease.$': "States.Format('{}#{}', $.serviceName, $.current.stage.environment)",
        'holder.$': '$.pipelineId',
      },
      ResultPath: null,
      Next: 'Did the environment execution fail?',
    }),
    'Did the environment execution fail?': {
      Type: 'Choice',
      Comment:
        'A child that failed reports its own error inside the Cause (JSON); anything else (not started, aborted) is reported as caught.',
      Choices: [
        {
          Variable: '$.failure.Error',
          StringEquals: 'States.TaskFailed',
          Next: 'Explain environment failure',
        },
      ],
      Default: 'Announce environment that could not complete',
    },
    'Explain environment failure': lambdaTask('ExplainFailure', {
      Comment:
        "A Cause cut at 32,768 characters is not JSON: the Lambda reads it (or the child's description), where a Pass state could not catch a failed parse.",
      Parameters: {
        'failure.$': '$.failure',
      },
      ResultPath: '$.failure',
      Catch: [catchAll('Announce environment that could not complete', '$.explainError')],
      Next: 'Did the child name its error?',
    }),
    'Did the child name its error?': {
      Type: 'Choice',
      Choices: [
        {
          And: [
            {
              Variable: '$.failure.execution.Error',
              IsPresent: true,
            },
            {
              Variable: '$.failure.execution.Cause',
              IsPresent: true,
            },
          ],
          Next: 'Was the environment rolled back?',
        },
      ],
      Default: 'Announce environment that ended without an error',
    },
    'Was the environment rolled back?': {
      Type: 'Choice',
      Choices: [
        {
          Or: [
            {
              Variable: '$.failure.execution.Error',
              StringEquals: 'DeploymentRolledBack',
            },
            {
              Variable: '$.failure.execution.Error',
              StringEquals: 'WaveFailed',
            },
          ],
          Next: 'Announce environment rolled back',
        },
      ],
      Default: 'Announce environment failure',
    },
    'Announce environment rolled back': lambdaTask('AnnounceDeployment', {
      Parameters: {
        event: 'rolled-back',
        'pipelineId.$': '$.pipelineId',
        'executionArn.$': '$$.Execution.Id',
        'serviceName.$': '$.serviceName',
        'environment.$': '$.current.stage.environment',
        'commit.$': '$.commit',
        'kind.$': '$.kind',
        failure: {
          'Error.$': '$.failure.execution.Error',
          'Cause.$': '$.failure.execution.Cause',
        },
      },
      ResultPath: null,
      Catch: [catchAll('Environment failed', '$.announceError')],
      Next: 'Environment failed',
    }),
    'Announce environment failure': lambdaTask('AnnounceDeployment', {
      Parameters: {
        event: 'failed',
        'pipelineId.$': '$.pipelineId',
        'executionArn.$': '$$.Execution.Id',
        'serviceName.$': '$.serviceName',
        'environment.$': '$.current.stage.environment',
        'commit.$': '$.commit',
        'kind.$': '$.kind',
        failure: {
          'Error.$': '$.failure.execution.Error',
          'Cause.$': '$.failure.execution.Cause',
        },
      },
      ResultPath: null,
      Catch: [catchAll('Environment failed', '$.announceError')],
      Next: 'Environment failed',
    }),
    'Environment failed': {
      Type: 'Fail',
      ErrorPath: '$.failure.execution.Error',
      CausePath: '$.failure.execution.Cause',
    },
    'Announce environment that ended without an error': lambdaTask('AnnounceDeployment', {
      Parameters: {
        event: 'failed',
        'pipelineId.$': '$.pipelineId',
        'executionArn.$': '$$.Execution.Id',
        'serviceName.$': '$.serviceName',
        'environment.$': '$.current.stage.environment',
        'commit.$': '$.commit',
        'kind.$': '$.kind',
        failure: {
          Error: 'EnvironmentNotCompleted',
          'Cause.$': '$.failure.execution.Status',
        },
      },
      ResultPath: null,
      Catch: [catchAll('Environment ended without an error', '$.announceError')],
      Next: 'Environment ended without an error',
    }),
    'Environment ended without an error': {
      Type: 'Fail',
      Error: 'EnvironmentNotCompleted',
      CausePath: '$.failure.execution.Status',
    },
    'Announce environment that could not complete': lambdaTask('AnnounceDeployment', {
      Parameters: {
        event: 'failed',
        'pipelineId.$': '$.pipelineId',
        'executionArn.$': '$$.Execution.Id',
        'serviceName.$': '$.serviceName',
        'environment.$': '$.current.stage.environment',
        'commit.$': '$.commit',
        'kind.$': '$.kind',
        failure: {
          'Error.$': '$.failure.Error',
          'Cause.$': '$.failure.Cause',
        },
      },
      ResultPath: null,
      Catch: [catchAll('Environment could not complete', '$.announceError')],
      Next: 'Environment could not complete',
    }),
    'Environment could not complete': {
      Type: 'Fail',
      ErrorPath: '$.failure.Error',
      CausePath: '$.failure.Cause',
    },
  },
};
