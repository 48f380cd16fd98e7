// The deploy-environment workflow's ASL, built from crossdeploy's shared states (./asl.ts); written to deploy-environment.asl.json.

import { MAX_TARGET_CAUSE_IN_WAVE } from '../core/wave';
import { catchAll, lambdaTask, nestedExecution, type State, stateMachineArn } from './asl';

export const definition: State = {
  Comment:
    'crossdeploy: deploy one service to every target of one environment, wave after wave. A wave stands or falls as a whole; a failed wave stops the environment.',
  StartAt: 'Which kind of target does the environment deploy?',
  States: {
    'Which kind of target does the environment deploy?': {
      Type: 'Choice',
      Comment:
        "The waves are the same for every kind of target; each kind brings its own deploy and rollback workflows, which alone read a target's revision.",
      Choices: [
        { Variable: '$.targetKind', StringEquals: 'ecs-service', Next: 'Deploy ECS services' },
        { Variable: '$.targetKind', StringEquals: 'cloudformation-stack', Next: 'Deploy CloudFormation stacks' },
      ],
      Default: 'Unknown target kind',
    },
    'Deploy CloudFormation stacks': {
      Type: 'Pass',
      Comment: 'A stack pulls no image: there is no repository to open.',
      Result: { deploy: stateMachineArn('DeployStack'), rollback: stateMachineArn('RollbackStack') },
      ResultPath: '$.targetWorkflows',
      Next: 'Start with the first wave',
    },
    'Deploy ECS services': {
      Type: 'Pass',
      Result: { deploy: stateMachineArn('DeployTarget'), rollback: stateMachineArn('RollbackTarget') },
      ResultPath: '$.targetWorkflows',
      Next: 'Open ECR for the environment',
    },
    'Unknown target kind': {
      Type: 'Fail',
      Error: 'UnknownTargetKind',
      Cause: 'the environment names a kind of target crossdeploy has no workflows for',
    },
    'Open ECR for the environment': lambdaTask('OpenEcr', {
      Comment:
        'The one writer of the repository policy for this deployment, in every region its targets pull from, before any target runs.',
      Parameters: {
        'orchestrator.$': '$.deployment.orchestrator',
        'ecr.$': '$.deployment.ecr',
      },
      ResultPath: null,
      Next: 'Start with the first wave',
    }),
    'Start with the first wave': {
      Type: 'Pass',
      Comment:
        "Waves go one after another over a cursor rather than through a Map with MaxConcurrency 1: a failed wave's rollback runs here, between waves, and its verdict ends the environment with the wave's own error, not a Map's.",
      Parameters: {
        index: 0,
        'count.$': 'States.ArrayLength($.waves)',
      },
      ResultPath: '$.cursor',
      Next: 'Pick next wave',
    },
    'Pick next wave': {
      Type: 'Pass',
      Parameters: {
        'waveNumber.$': '$.cursor.index',
        'wave.$': 'States.ArrayGetItem($.waves, $.cursor.index)',
      },
      ResultPath: '$.current',
      Next: 'Deploy targets of wave',
    },
    'Deploy targets of wave': {
      Type: 'Map',
      Comment:
        "A Distributed Map: each target is a child execution of its own, as many at once as the wave asks (up to 10,000, where an inline Map runs 40), reading the wave's targets from S3 and writing each one's outcome there, so neither the state nor the history grows with the wave. A target's failure is caught in its iteration: the wave is judged by Evaluate wave, as a whole.",
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSON' },
        Parameters: {
          'Bucket.$': '$.current.wave.store.bucket',
          'Key.$': '$.current.wave.store.targets',
        },
      },
      MaxConcurrencyPath: '$.current.wave.maxConcurrency',
      ItemSelector: {
        'target.$': '$$.Map.Item.Value',
        'deployment.$': '$.deployment',
        'workflow.$': '$.targetWorkflows.deploy',
      },
      ResultWriter: {
        Resource: 'arn:aws:states:::s3:putObject',
        Parameters: {
          'Bucket.$': '$.current.wave.store.bucket',
          'Prefix.$': '$.current.wave.store.prefix',
        },
      },
      ResultPath: '$.results',
      Catch: [catchAll('Evaluate wave', '$.results')],
      Next: 'Evaluate wave',
      ItemProcessor: {
        ProcessorConfig: {
          Mode: 'DISTRIBUTED',
          ExecutionType: 'STANDARD',
        },
        StartAt: 'Deploy to target',
        States: {
          'Deploy to target': nestedExecution({
            Parameters: {
              'StateMachineArn.$': '$.workflow',
              'Name.$': "States.Format('{}-{}-{}', $.deployment.deploymentId, $.target.account, $.target.region)",
              Input: {
                'deployment.$': '$.deployment',
                'target.$': '$.target',
                'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id',
              },
            },
            ResultSelector: {
              succeeded: true,
              revision: { 'previous.$': '$.Output.revision.previous' },
            },
            Catch: [catchAll('Read target failure')],
            End: true,
          }),
          'Read target failure': lambdaTask('ExplainFailure', {
            Comment:
              "Every failure is read here, into the target's outcome: a Cause cut at 32,768 characters is not JSON, and a Pass state could not catch a failed parse. A target that timed out or was stopped names no error of its own, so its outcome carries its status and Evaluate wave asks the ledger whether it had begun to update its service. The ledger keeps each target's whole reason.",
            Parameters: {
              'failure.$': '$.failure',
              maxCause: MAX_TARGET_CAUSE_IN_WAVE,
            },
            Catch: [catchAll('Record unread target failure', '$.explainError')],
            End: true,
          }),
          'Record unread target failure': {
            Type: 'Pass',
            Comment: "Only the error name: the Cause may be 32 KB of the child's input.",
            Parameters: {
              succeeded: false,
              failure: {
                'Error.$': '$.failure.Error',
              },
            },
            End: true,
          },
        },
      },
    },
    'Evaluate wave': lambdaTask('EvaluateWave', {
      Parameters: {
        'deploymentId.$': '$.deployment.deploymentId',
        'serviceName.$': '$.deployment.serviceName',
        'environment.$': '$.deployment.environment',
        'waveNumber.$': '$.current.waveNumber',
        'failureTolerance.$': '$.current.wave.failureTolerance',
        'store.$': '$.current.wave.store',
        'results.$': '$.results',
      },
      Comment:
        "Reads the wave's targets and their outcomes from S3, and the ledger for any that did not report; keeps only the verdict in the state, and writes the targets to put back beside the wave's.",
      ResultPath: '$.verdict',
      Next: 'Did the wave fail?',
    }),
    'Did the wave fail?': {
      Type: 'Choice',
      Choices: [
        {
          Variable: '$.verdict.failed',
          BooleanEquals: true,
          Next: 'Roll back updated targets of wave',
        },
      ],
      Default: 'Does the wave run an image?',
    },
    'Does the wave run an image?': {
      Type: 'Choice',
      Choices: [
        { Variable: '$.targetKind', StringEquals: 'ecs-service', Next: "Mark image deployed in the wave's regions" },
      ],
      Default: 'Advance to next wave',
    },
    "Mark image deployed in the wave's regions": lambdaTask('MarkImageDeployed', {
      Comment:
        "Tags the digest the wave now runs, so the repository's lifecycle policy keeps it while dev builds come and go. A failure leaves the wave standing: an untagged image is no reason to undo a deployment.",
      Parameters: {
        'environment.$': '$.deployment.environment',
        'commit.$': '$.deployment.commit',
        'image.$': '$.deployment.image',
        'ecr.$': '$.deployment.ecr',
        'regions.$': '$.current.wave.regions',
      },
      ResultPath: null,
      Catch: [catchAll('Advance to next wave', '$.markError')],
      Next: 'Advance to next wave',
    }),
    'Roll back updated targets of wave': {
      Type: 'Map',
      Comment:
        'A Distributed Map over the list Evaluate wave wrote. Each rollback records its own result in the ledger; its results go to S3, nothing of them stays in the state, which holds the wave.',
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSON' },
        Parameters: {
          'Bucket.$': '$.verdict.rollBack.bucket',
          'Key.$': '$.verdict.rollBack.key',
        },
      },
      MaxConcurrencyPath: '$.current.wave.maxConcurrency',
      ItemSelector: {
        'outcome.$': '$$.Map.Item.Value',
        'deployment.$': '$.deployment',
        'workflow.$': '$.targetWorkflows.rollback',
        'reason.$': '$.verdict.cause',
      },
      ResultWriter: {
        Resource: 'arn:aws:states:::s3:putObject',
        Parameters: {
          'Bucket.$': '$.current.wave.store.bucket',
          'Prefix.$': '$.current.wave.store.prefix',
        },
      },
      ResultPath: null,
      Catch: [catchAll('Wave failed', '$.rollBackFailure')],
      Next: 'Wave failed',
      ItemProcessor: {
        ProcessorConfig: {
          Mode: 'DISTRIBUTED',
          ExecutionType: 'STANDARD',
        },
        StartAt: 'Roll back target',
        States: {
          'Roll back target': nestedExecution({
            Parameters: {
              'StateMachineArn.$': '$.workflow',
              Input: {
                'deploymentId.$': '$.deployment.deploymentId',
                'serviceName.$': '$.deployment.serviceName',
                'environment.$': '$.deployment.environment',
                'target.$': '$.outcome.target',
                'deployRole.$': '$.deployment.deployRole',
                'revision.$': '$.outcome.revision',
                'rollout.$': '$.deployment.rollout',
                reason: {
                  check: 'wave',
                  'evidence.$': '$.reason',
                },
                'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id',
              },
            },
            ResultSelector: {
              rolledBack: true,
            },
            Catch: [catchAll('Record rollback failure')],
            End: true,
          }),
          'Record rollback failure': {
            Type: 'Pass',
            Parameters: {
              rolledBack: false,
              'error.$': '$.failure.Error',
            },
            End: true,
          },
        },
      },
    },
    'Wave failed': {
      Type: 'Fail',
      ErrorPath: '$.verdict.error',
      CausePath: '$.verdict.cause',
    },
    'Advance to next wave': {
      Type: 'Pass',
      Parameters: {
        'index.$': 'States.MathAdd($.cursor.index, 1)',
        'count.$': '$.cursor.count',
      },
      ResultPath: '$.cursor',
      Next: 'Any waves left?',
    },
    'Any waves left?': {
      Type: 'Choice',
      Choices: [
        {
          Variable: '$.cursor.index',
          NumericLessThanPath: '$.cursor.count',
          Next: 'Pick next wave',
        },
      ],
      Default: 'Environment deployed',
    },
    'Environment deployed': {
      Type: 'Pass',
      Parameters: {
        'deploymentId.$': '$.deployment.deploymentId',
        'environment.$': '$.deployment.environment',
        'serviceName.$': '$.deployment.serviceName',
        'commit.$': '$.deployment.commit',
        'waves.$': 'States.ArrayLength($.waves)',
      },
      End: true,
    },
  },
};
