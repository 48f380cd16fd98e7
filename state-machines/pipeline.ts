// The pipeline workflow's ASL, built from crossdeploy's shared states (./asl.ts); written to pipeline.asl.json.

import { catchAll, lambdaTask, nestedExecution, type State, stateMachineArn, TRANSIENT_LAMBDA_RETRY } from './asl';

/** Which pipeline, environment and commit a notice is about. */
const where: State = {
  'pipelineId.$': '$.pipelineId',
  'executionArn.$': '$$.Execution.Id',
  'serviceName.$': '$.serviceName',
  'environment.$': '$.current.stage.environment',
  'commit.$': '$.commit',
  'kind.$': '$.kind',
};

/** A notice that the environment's deployment started or succeeded (a failure leaves through "Announce failure"). */
const announce = (event: 'started' | 'succeeded'): State => ({ event, ...where, failure: null });

/** The lease of this service × environment, held by this pipeline. */
const lease: State = {
  'lease.$': "States.Format('{}#{}', $.serviceName, $.current.stage.environment)",
  'holder.$': '$.pipelineId',
};

/** CodeBuild out of concurrent builds, or briefly unable to start one: worth a few tries with backoff. */
const BUILD_CAPACITY_RETRY = {
  ErrorEquals: ['CodeBuild.AccountLimitExceededException', 'CodeBuild.CodeBuildException'],
  IntervalSeconds: 10,
  MaxAttempts: 5,
  BackoffRate: 2,
  JitterStrategy: 'FULL',
};

export const definition: State = {
  Comment:
    'crossdeploy: one pushed commit of one service. Build once, then each environment of the branch in order: approval gate, lease, waves.',
  StartAt: 'Check the request against the map',
  States: {
    'Check the request against the map': lambdaTask('CheckPipelineRequest', {
      // The execution's own name, which Step Functions keeps unique for 90 days: the plans are stored under it.
      Parameters: { 'request.$': '$', 'executionName.$': '$$.Execution.Name' },
      Comment:
        "Whoever may start the pipeline must not be able to drop a gate, add a target or ship a foreign image. The input names each environment by its gates; the stages the pipeline runs are the map's plans, each wave's targets stored in S3.",
      ResultPath: '$.stages',
      Next: 'Is there an image to build?',
    }),
    'Is there an image to build?': {
      Type: 'Choice',
      Comment:
        "A rollback brings the image it goes back to; a push builds one; a provisioning ships its environment's template version and no image.",
      Choices: [
        {
          Variable: '$.kind',
          StringEquals: 'provision',
          Next: 'Nothing to build',
        },
        {
          Variable: '$.package',
          IsPresent: true,
          Next: 'Package application stack once',
        },
        {
          Variable: '$.built',
          IsPresent: true,
          Next: 'Find the image to roll back to',
        },
      ],
      Default: 'Build image once',
    },
    'Nothing to build': {
      Type: 'Pass',
      Result: { image: null },
      ResultPath: '$.built',
      Next: 'Start with the first environment',
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
      Retry: [BUILD_CAPACITY_RETRY],
      Next: 'Find built image',
    },
    'Package application stack once': {
      Type: 'Task',
      Comment:
        "An application stack's own project stores its template at the pushed commit in the artifacts bucket, after the map's test command; it builds no image.",
      Resource: 'arn:aws:states:::codebuild:startBuild.sync',
      Parameters: {
        'ProjectName.$': "States.Format('${BuildProjectPrefix}{}', $.serviceName)",
        'SourceVersion.$': '$.commit',
        'SourceTypeOverride.$': '$.source.type',
        'SourceLocationOverride.$': '$.source.location',
        BuildspecOverride: '${PackageSpec}',
        'EnvironmentTypeOverride.$': '$.build.environmentType',
        'ImageOverride.$': '$.build.image',
        EnvironmentVariablesOverride: [
          { Name: 'CROSSDEPLOY_SERVICE', Type: 'PLAINTEXT', 'Value.$': '$.serviceName' },
          { Name: 'CROSSDEPLOY_COMMIT', Type: 'PLAINTEXT', 'Value.$': '$.commit' },
          { Name: 'CROSSDEPLOY_TEST_COMMAND', Type: 'PLAINTEXT', 'Value.$': '$.test' },
          { Name: 'CROSSDEPLOY_TEMPLATE', Type: 'PLAINTEXT', 'Value.$': '$.package.template' },
        ],
      },
      ResultPath: null,
      Retry: [BUILD_CAPACITY_RETRY],
      Next: 'Check packaged template',
    },
    'Check packaged template': lambdaTask('CheckPackagedTemplate', {
      Comment: "A template that cannot take the map's parameters fails here, before any approval is asked for.",
      Parameters: {
        template: { kind: 'applications', 'name.$': '$.serviceName', 'version.$': '$.commit' },
        'parameters.$': '$.stages[*].plan.deployment.inputs',
      },
      ResultPath: '$.built',
      Next: 'Start with the first environment',
    }),
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
      Comment:
        'Environments go one after another over a cursor rather than through a Map with MaxConcurrency 1: a superseded approval ends the whole pipeline as a success, which a Map iteration cannot do.',
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
      Retry: [TRANSIENT_LAMBDA_RETRY],
      Catch: [
        {
          ErrorEquals: ['Superseded'],
          ResultPath: '$.failure',
          Next: 'Superseded by a newer commit',
        },
        {
          ErrorEquals: ['ApprovalRejected', 'States.Timeout'],
          ResultPath: '$.failure',
          Next: 'Announce failure',
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
    'Acquire deployment lease': lambdaTask('AcquireLease', {
      Comment:
        'The lease is held for as long as its pipeline runs, and is free once that pipeline ended without giving it back. A deployment still running after the two hours of tries ends this one with LeaseHeld, naming it.',
      Parameters: lease,
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
      Catch: [{ ErrorEquals: ['LeaseHeld'], ResultPath: '$.failure', Next: 'Announce failure' }],
    }),
    'Announce deployment started': lambdaTask('AnnounceDeployment', {
      Parameters: announce('started'),
      ResultPath: null,
      Catch: [catchAll('Deploy environment', '$.announceError')],
      Next: 'Deploy environment',
    }),
    'Deploy environment': nestedExecution({
      Parameters: {
        StateMachineArn: stateMachineArn('DeployEnvironment'),
        'Name.$': '$.current.stage.plan.deployment.deploymentId',
        Input: {
          'targetKind.$': '$.current.stage.plan.targetKind',
          'deployment.$': 'States.JsonMerge($.current.stage.plan.deployment, $.current.extras, false)',
          'waves.$': '$.current.stage.plan.waves',
        },
      },
      ResultPath: null,
      Catch: [catchAll('Release lease after failure')],
      Next: 'Release deployment lease',
    }),
    'Release deployment lease': lambdaTask('ReleaseLease', {
      Parameters: lease,
      ResultPath: null,
      Next: 'Announce deployment succeeded',
    }),
    'Announce deployment succeeded': lambdaTask('AnnounceDeployment', {
      Parameters: announce('succeeded'),
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
      Parameters: lease,
      ResultPath: null,
      Next: 'Announce failure',
    }),
    'Announce failure': lambdaTask('AnnounceFailure', {
      Comment:
        "The pipeline's one failure exit: reads what was caught down to its innermost error (a failed environment's own, from its description when the Cause was cut), announces it, and names it for the Fail state.",
      Parameters: { ...where, 'failure.$': '$.failure' },
      ResultPath: '$.failure',
      Catch: [catchAll('Keep the failure as caught', '$.announceError')],
      Next: 'Pipeline failed',
    }),
    'Keep the failure as caught': {
      Type: 'Pass',
      Comment: 'The announcement could not be made: the pipeline still fails, with the error as it was caught.',
      Parameters: { 'error.$': '$.failure.Error', 'cause.$': 'States.JsonToString($.failure)' },
      ResultPath: '$.failure',
      Next: 'Pipeline failed',
    },
    'Pipeline failed': {
      Type: 'Fail',
      ErrorPath: '$.failure.error',
      CausePath: '$.failure.cause',
    },
  },
};
