// The step functions and exactly what each one calls: the one table stacks/functions.ts deploys from.
// Pure (no Pulumi, no SST globals), so a test can hold it against the handlers' code.
import {
  bucketArn,
  eventBusArn,
  executionsArn,
  objectsArn,
  parameterArn,
  repositoryArn,
  tableArn,
  tableIndexArn,
  topicArn,
  type Where,
} from './arns';
import { APPLICATIONS_PREFIX, DEPLOYMENTS_PREFIX } from './images';
import type { OrchestratorNames } from './names';

/** Where a grant's resources live: the tools account and region this stage deploys to, and its resources. */
export interface GrantScope extends Where {
  /** Name of the role assumed in target accounts (stacks/config.ts). */
  deployRole: string;
  /** The stage's tables, bus, pipeline, repositories and topics (stacks/names.ts). */
  names: OrchestratorNames;
}

export interface Grant {
  actions: readonly string[];
  resources: (scope: GrantScope) => string[];
}

/**
 * What the functions read from their environment (aws/settings.ts, core/approval-link.ts and the webhook's
 * secret); the stack sets exactly the ones a function declares.
 */
export const ENVIRONMENT_VARIABLES = [
  'CROSSDEPLOY_EVENT_BUS_NAME',
  'CROSSDEPLOY_DELIVERIES_TABLE',
  'CROSSDEPLOY_APPROVALS_TABLE',
  'CROSSDEPLOY_LEASES_TABLE',
  'CROSSDEPLOY_WAITS_TABLE',
  'CROSSDEPLOY_LEDGER_TABLE',
  'CROSSDEPLOY_TEMPLATES_TABLE',
  'CROSSDEPLOY_ARTIFACTS_BUCKET',
  'CROSSDEPLOY_IDEMPOTENCY_TABLE',
  'CROSSDEPLOY_NOTIFICATIONS_TOPIC_ARN',
  'CROSSDEPLOY_CHAT_WEBHOOK_URL_PARAM',
  'CROSSDEPLOY_PIPELINE_ARN',
  'CROSSDEPLOY_PUBLIC_URL',
  'CROSSDEPLOY_MAP_FILE',
  'CROSSDEPLOY_GITHUB_WEBHOOK_SECRET_PARAM',
  'CROSSDEPLOY_LINK_SIGNING_KEY_PARAM',
] as const;
export type EnvironmentVariable = (typeof ENVIRONMENT_VARIABLES)[number];

/** What the code may read but the stack leaves unset on purpose, and why (no function may declare these). */
export const UNSET_IN_AWS = {
  // aws/settings.ts consoleUrl(): the local runtime's console; unset, execution links open the Step Functions console.
  CROSSDEPLOY_CONSOLE_URL: "execution links go to the AWS Step Functions console of the execution's region",
} as const;

export interface FunctionSpec {
  /** `OpenEcr`: SST component `OpenEcrFunction`, ASL substitution `${OpenEcrFunctionArn}`. */
  id: string;
  /** Handler module under functions/ (without `.ts`); it exports `handler`. */
  file: string;
  description: string;
  /** What the handler calls with its own role, in the tools account: granted to the function here. */
  grants: readonly Grant[];
  /**
   * What the handler calls in target accounts with the deploy role's credentials. Not granted here: the
   * deploy role in each target account must allow it (provisioned later, with StackSets).
   */
  asDeployRole: readonly string[];
  /** The environment variables its code reads; the stack sets these and no others. */
  environment: readonly EnvironmentVariable[];
  /** Longer than the steps' 30 seconds, for a step whose work grows with the environment's targets. */
  timeout?: '2 minutes';
}

/** Every step that touches a target account first assumes the deploy role there, and no other role. */
export const ASSUME_DEPLOY_ROLE: Grant = {
  actions: ['sts:AssumeRole'],
  resources: ({ partition, deployRole }) => [`arn:${partition}:iam::*:role/${deployRole}`],
};

/**
 * SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat have no resource type in IAM (the task token is the
 * capability): "*" is the only resource the Service Authorization Reference allows for them.
 */
export const TASK_TOKEN_RESOURCES = (): string[] => ['*'];

/** Each repository in every region it lives in: its own and its replicas'. */
export const everyRepositoryReplica = (scope: GrantScope): string[] =>
  scope.names.repositories.flatMap((repository) =>
    (scope.names.repositoryRegions[repository] ?? [scope.region]).map((region) =>
      repositoryArn({ ...scope, region }, repository),
    ),
  );

const leasesTable = (scope: GrantScope) => [tableArn(scope, scope.names.leasesTable)];
const ledgerTable = (scope: GrantScope) => [tableArn(scope, scope.names.ledgerTable)];
const templatesTable = (scope: GrantScope) => [tableArn(scope, scope.names.templatesTable)];
/**
 * Reading an application stack's template that its packaging build stored (aws/artifacts.ts): GetObject, and
 * ListBucket, without which S3 answers a missing template with 403 AccessDenied rather than the 404 NoSuchKey
 * that readApplicationTemplate reports as not packaged (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html).
 */
const READ_APPLICATION_TEMPLATES: readonly Grant[] = [
  {
    actions: ['s3:GetObject'],
    resources: (scope) => [objectsArn(scope, scope.names.artifactsBucket, APPLICATIONS_PREFIX)],
  },
  { actions: ['s3:ListBucket'], resources: (scope) => [bucketArn(scope, scope.names.artifactsBucket)] },
];

/**
 * Objects of a deployment in the artifacts bucket (aws/wave-store.ts), and nothing else of it: by default any of
 * them, or only those whose key under `deployments/<deploymentId>/` matches `key` (`wave-*\/targets.json`).
 */
export const DEPLOYMENT_OBJECTS = (actions: string[], key?: string): Grant[] => [
  {
    actions,
    resources: (scope) => [
      key === undefined
        ? objectsArn(scope, scope.names.artifactsBucket, DEPLOYMENTS_PREFIX)
        : `${bucketArn(scope, scope.names.artifactsBucket)}/${DEPLOYMENTS_PREFIX}*/${key}`,
    ],
  },
];

/** The wave's targets the pipeline's first step writes, and the approval gate reads. */
const WAVE_TARGETS = 'wave-*/targets.json';
/** A large environment's approval: the full list of its targets (aws/approval-targets.ts). */
export const APPROVAL_TARGETS = 'approval-*.json';

export const waitsTable = (scope: GrantScope) => [tableArn(scope, scope.names.waitsTable)];

/**
 * A wait parks its token in the waits table, and ends itself when what it waits for has already happened: the
 * item's write, and SendTaskSuccess for its own token.
 */
const PARK_WAIT: readonly Grant[] = [
  { actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'], resources: waitsTable },
  { actions: ['states:SendTaskSuccess'], resources: TASK_TOKEN_RESOURCES },
];

export const eventBus = (scope: GrantScope) => [eventBusArn(scope, scope.names.eventBus)];
export const approvalsTable = (scope: GrantScope) => [tableArn(scope, scope.names.approvalsTable)];

/**
 * Reading one of the stage's secrets (aws/secrets.ts): its parameter only. SecureString parameters use the
 * AWS managed key aws/ssm, which lets every principal of the account decrypt, so no kms:Decrypt grant
 * (https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-restrict-decryption.html).
 */
export const readSecret = (name: keyof GrantScope['names']['secretParameters']): Grant => ({
  actions: ['ssm:GetParameter'],
  resources: (scope) => [parameterArn(scope, scope.names.secretParameters[name])],
});

export const STEP_FUNCTIONS = [
  {
    id: 'AssumeDeployRole',
    file: 'assume-deploy-role',
    description: 'crossdeploy: assume the deploy role in the target account (fails early when not bootstrapped)',
    grants: [ASSUME_DEPLOY_ROLE],
    asDeployRole: [],
    environment: [],
  },
  {
    id: 'OpenEcr',
    file: 'open-ecr',
    description: "crossdeploy: let an environment's target accounts pull the service's ECR repository and replicas",
    grants: [
      {
        // The map's repositories and their replicas, which the stack creates (stacks/build.ts), and no other.
        actions: ['ecr:GetRepositoryPolicy', 'ecr:SetRepositoryPolicy'],
        resources: everyRepositoryReplica,
      },
    ],
    asDeployRole: [],
    environment: [],
  },
  {
    id: 'CheckImageReplica',
    file: 'check-image-replica',
    description: "crossdeploy: one check for the image's replica in the target's region",
    grants: [{ actions: ['ecr:DescribeImages'], resources: everyRepositoryReplica }],
    asDeployRole: [],
    environment: [],
  },
  {
    id: 'FindServiceInstance',
    file: 'find-service-instance',
    description: "crossdeploy: whether the target's service instance is as the map says, or its stack must be deployed",
    grants: [ASSUME_DEPLOY_ROLE],
    asDeployRole: ['ecs:DescribeServices', 'cloudformation:DescribeStacks'],
    environment: [],
  },
  {
    id: 'RegisterTaskDefinition',
    file: 'register-task-definition',
    description: 'crossdeploy: register the task definition revision that runs the new image',
    grants: [ASSUME_DEPLOY_ROLE],
    // TagResource: the revision is registered with tags; PassRole: for its task and execution roles.
    asDeployRole: [
      'ecs:DescribeServices',
      'ecs:DescribeTaskDefinition',
      'ecs:RegisterTaskDefinition',
      'ecs:TagResource',
      'iam:PassRole',
    ],
    environment: [],
  },
  {
    id: 'UpdateService',
    file: 'update-service',
    description: 'crossdeploy: point the ECS service at the new revision',
    grants: [ASSUME_DEPLOY_ROLE],
    asDeployRole: ['ecs:UpdateService'],
    environment: [],
  },
  {
    id: 'AwaitRollout',
    file: 'await-rollout',
    description: "crossdeploy: park a rollout's task token for ECS's events, then read the service once",
    grants: [ASSUME_DEPLOY_ROLE, ...PARK_WAIT],
    asDeployRole: ['ecs:DescribeServices'],
    environment: ['CROSSDEPLOY_WAITS_TABLE'],
  },
  {
    id: 'AwaitBake',
    file: 'await-bake',
    description: "crossdeploy: park a bake's task token for the alarms' events, then read the alarms once",
    grants: [ASSUME_DEPLOY_ROLE, ...PARK_WAIT],
    asDeployRole: ['cloudwatch:DescribeAlarms'],
    environment: ['CROSSDEPLOY_WAITS_TABLE'],
  },
  {
    id: 'CheckRollout',
    file: 'check-rollout',
    description: 'crossdeploy: one check of an ECS rollout or rollback',
    grants: [ASSUME_DEPLOY_ROLE],
    asDeployRole: ['ecs:DescribeServices'],
    environment: [],
  },
  {
    id: 'CheckHealth',
    file: 'check-health',
    description: 'crossdeploy: one health check during the bake',
    grants: [ASSUME_DEPLOY_ROLE],
    asDeployRole: ['ecs:DescribeServices', 'cloudwatch:DescribeAlarms'],
    environment: [],
  },
  {
    id: 'RollBackService',
    file: 'roll-back-service',
    description: 'crossdeploy: put the ECS service back on its previous revision',
    grants: [ASSUME_DEPLOY_ROLE],
    asDeployRole: ['ecs:DescribeServices', 'ecs:UpdateService'],
    environment: [],
  },
  {
    id: 'RestoreConfiguration',
    file: 'restore-deployment-configuration',
    description: "crossdeploy: put the service's own deployment configuration back after a rollback",
    grants: [ASSUME_DEPLOY_ROLE],
    asDeployRole: ['ecs:UpdateService'],
    environment: [],
  },
  {
    id: 'CreateStackChangeSet',
    file: 'create-stack-change-set',
    description: "crossdeploy: prepare a change set that brings a target's stack to a template version",
    // Reads the template version's text from the registry `crossdeploy template publish` writes; a version never
    // published is refused naming the published ones, which a Query lists.
    // An application stack's template is read from the artifacts bucket its packaging build wrote.
    grants: [
      ASSUME_DEPLOY_ROLE,
      { actions: ['dynamodb:GetItem', 'dynamodb:Query'], resources: templatesTable },
      ...READ_APPLICATION_TEMPLATES,
    ],
    asDeployRole: ['cloudformation:DescribeStacks', 'cloudformation:CreateChangeSet'],
    environment: ['CROSSDEPLOY_TEMPLATES_TABLE', 'CROSSDEPLOY_ARTIFACTS_BUCKET'],
  },
  {
    id: 'CheckPackagedTemplate',
    file: 'check-packaged-template',
    description: "crossdeploy: check an application stack's template packaged for a commit against the map",
    grants: READ_APPLICATION_TEMPLATES,
    asDeployRole: [],
    environment: ['CROSSDEPLOY_ARTIFACTS_BUCKET'],
  },
  {
    id: 'CheckStackHealth',
    file: 'check-stack-health',
    description: "crossdeploy: one health check during an application stack's bake",
    grants: [ASSUME_DEPLOY_ROLE],
    asDeployRole: ['cloudwatch:DescribeAlarms'],
    environment: [],
  },
  {
    id: 'CheckStackChangeSet',
    file: 'check-stack-change-set',
    description: 'crossdeploy: one check of a change set CloudFormation prepares',
    grants: [ASSUME_DEPLOY_ROLE],
    asDeployRole: ['cloudformation:DescribeChangeSet'],
    environment: [],
  },
  {
    id: 'ExecuteStackChangeSet',
    file: 'execute-stack-change-set',
    description: "crossdeploy: apply a prepared change set to a target's stack",
    grants: [ASSUME_DEPLOY_ROLE],
    asDeployRole: ['cloudformation:ExecuteChangeSet'],
    environment: [],
  },
  {
    id: 'CheckStack',
    file: 'check-stack',
    description: 'crossdeploy: one check of a stack being deployed, rolled back or deleted',
    grants: [ASSUME_DEPLOY_ROLE],
    asDeployRole: ['cloudformation:DescribeStacks', 'cloudformation:DescribeStackEvents'],
    environment: [],
  },
  {
    id: 'DeleteStack',
    file: 'delete-stack',
    description: 'crossdeploy: delete a stack that a failed wave had created',
    grants: [ASSUME_DEPLOY_ROLE],
    asDeployRole: ['cloudformation:DeleteStack'],
    environment: [],
  },
  {
    id: 'EvaluateWave',
    file: 'evaluate-wave',
    description: 'crossdeploy: decide whether a wave stands or falls',
    // Reads the wave's targets and its Map Run's results and writes the targets to put back (aws/wave-store.ts);
    // reads the ledger record of a target whose execution timed out or was stopped, to roll it back too.
    grants: [
      { actions: ['dynamodb:GetItem'], resources: ledgerTable },
      ...DEPLOYMENT_OBJECTS(['s3:GetObject', 's3:PutObject']),
    ],
    asDeployRole: [],
    environment: ['CROSSDEPLOY_LEDGER_TABLE'],
  },
  {
    id: 'MarkImageDeployed',
    file: 'mark-image-deployed',
    description:
      'crossdeploy: tag the digest a wave runs deployed-<environment>-<commit>, so no lifecycle rule expires it',
    // BatchGetImage reads the manifest that PutImage puts back under the new tag.
    grants: [{ actions: ['ecr:BatchGetImage', 'ecr:PutImage'], resources: everyRepositoryReplica }],
    asDeployRole: [],
    environment: [],
  },
  {
    id: 'ExplainFailure',
    file: 'explain-failure',
    description:
      "crossdeploy: a failed nested execution's error and cause: a target's for its wave, a service instance's for its target",
    // A cause cut at 32,768 characters loses the child's own error: it is read from the child's description. The
    // children are deploy-environment's per-target executions of either kind, and deploy-target's service instances.
    grants: [
      {
        actions: ['states:DescribeExecution'],
        resources: (scope) => [
          executionsArn(scope, scope.names.deployTarget),
          executionsArn(scope, scope.names.deployStack),
        ],
      },
    ],
    asDeployRole: [],
    environment: [],
  },
  {
    id: 'CheckPipelineRequest',
    file: 'check-pipeline-request',
    description: "crossdeploy: hold a pipeline's input against the map before it builds or deploys",
    // A rollback's image must have succeeded in its environment: one target's records, through the index. The
    // checked stages' waves go to the deployments' objects, where the waves' Distributed Maps read them.
    grants: [
      {
        actions: ['dynamodb:Query'],
        resources: (scope) => [tableIndexArn(scope, scope.names.ledgerTable, 'byStartedAt')],
      },
      ...DEPLOYMENT_OBJECTS(['s3:PutObject'], WAVE_TARGETS),
    ],
    asDeployRole: [],
    environment: ['CROSSDEPLOY_MAP_FILE', 'CROSSDEPLOY_LEDGER_TABLE', 'CROSSDEPLOY_ARTIFACTS_BUCKET'],
  },
  {
    id: 'FindBuiltImage',
    file: 'find-built-image',
    description: "crossdeploy: find the image the pipeline's build pushed for the commit, and its platforms",
    grants: [
      {
        actions: ['ecr:BatchGetImage'],
        resources: (scope) => scope.names.repositories.map((repository) => repositoryArn(scope, repository)),
      },
    ],
    asDeployRole: [],
    environment: [],
  },
  {
    id: 'RequestApproval',
    file: 'request-approval',
    description: "crossdeploy: store the approval gate's task token, supersede older approvals, tell the approvers",
    grants: [
      { actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'], resources: approvalsTable },
      {
        // The pending approvals of one service × environment, through the index only.
        actions: ['dynamodb:Query'],
        resources: (scope) => [tableIndexArn(scope, scope.names.approvalsTable, 'byServiceEnvironment')],
      },
      {
        actions: ['sns:Publish'],
        resources: (scope) => scope.names.approvalTopics.map((topic) => topicArn(scope, topic)),
      },
      // Fails the superseded approvals' tasks (pipeline executions), by their tokens.
      { actions: ['states:SendTaskFailure'], resources: TASK_TOKEN_RESOURCES },
      // Reads what each target runs now, for the approver.
      ASSUME_DEPLOY_ROLE,
      // The `Approval Waiting` notice, on the stage's bus (notify picks it up).
      { actions: ['events:PutEvents'], resources: eventBus },
      // The key the approval links are signed with.
      readSecret('linkSigningKey'),
      // The stage's waves' targets, and a large stage's full list kept for the approval page.
      ...DEPLOYMENT_OBJECTS(['s3:GetObject'], WAVE_TARGETS),
      ...DEPLOYMENT_OBJECTS(['s3:PutObject'], APPROVAL_TARGETS),
      // What a large stage's targets run, as the ledger recorded it: each target's records, through the index.
      {
        actions: ['dynamodb:Query'],
        resources: (scope) => [tableIndexArn(scope, scope.names.ledgerTable, 'byStartedAt')],
      },
    ],
    // What each target of a small stage runs now: its service's task definition, or its stack's template version.
    asDeployRole: ['ecs:DescribeServices', 'cloudformation:DescribeStacks'],
    environment: [
      'CROSSDEPLOY_APPROVALS_TABLE',
      'CROSSDEPLOY_PUBLIC_URL',
      'CROSSDEPLOY_LINK_SIGNING_KEY_PARAM',
      'CROSSDEPLOY_EVENT_BUS_NAME',
      'CROSSDEPLOY_ARTIFACTS_BUCKET',
      'CROSSDEPLOY_LEDGER_TABLE',
    ],
    // 5,000 targets are 5,000 ledger queries, 25 at a time, and a list of about 400 KB written to S3.
    timeout: '2 minutes',
  },
  {
    id: 'AcquireLease',
    file: 'acquire-lease',
    description: 'crossdeploy: take the deployment lease of a service × environment',
    // A conditional PutItem; GetItem to name the holder when the lease is taken, and DescribeExecution to learn
    // whether that holder, a pipeline execution, still runs.
    grants: [
      { actions: ['dynamodb:PutItem', 'dynamodb:GetItem'], resources: leasesTable },
      { actions: ['states:DescribeExecution'], resources: (scope) => [executionsArn(scope, scope.names.pipeline)] },
    ],
    asDeployRole: [],
    environment: ['CROSSDEPLOY_LEASES_TABLE', 'CROSSDEPLOY_PIPELINE_ARN'],
  },
  {
    id: 'ReleaseLease',
    file: 'release-lease',
    description: 'crossdeploy: give back the deployment lease of a service × environment',
    // A DeleteItem on the condition that the lease is still this pipeline's.
    grants: [{ actions: ['dynamodb:DeleteItem'], resources: leasesTable }],
    asDeployRole: [],
    environment: ['CROSSDEPLOY_LEASES_TABLE'],
  },
  {
    id: 'RecordDeployment',
    file: 'record-deployment',
    description: "crossdeploy: write one phase of a target's deployment to the ledger",
    // A conditional put of the whole record (deploy-target) or an update of its result (rollback-target); the
    // workflows never delete the ledger.
    grants: [{ actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'], resources: ledgerTable }],
    asDeployRole: [],
    environment: ['CROSSDEPLOY_LEDGER_TABLE'],
  },
  {
    id: 'FindInstanceChange',
    file: 'find-instance-change',
    description:
      "crossdeploy: read whether a deployment moved the service's instance stack, which its rollback puts back",
    grants: [{ actions: ['dynamodb:GetItem'], resources: ledgerTable }],
    asDeployRole: [],
    environment: ['CROSSDEPLOY_LEDGER_TABLE'],
  },
  {
    id: 'RecordStackDeployment',
    file: 'record-stack-deployment',
    description: "crossdeploy: write one phase of a stack's deployment or rollback to the ledger",
    // Like record-deployment: a conditional put of the whole record (deploy-stack) or an update of its result
    // (rollback-stack); never a read or a delete.
    grants: [{ actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'], resources: ledgerTable }],
    asDeployRole: [],
    environment: ['CROSSDEPLOY_LEDGER_TABLE'],
  },
  {
    id: 'AnnounceDeployment',
    file: 'announce-deployment',
    description: 'crossdeploy: put a deployment notice (started, succeeded, failed, rolled back) on the bus',
    // Only the stage's own bus: notify's rule, and anyone's rule there, hears it.
    grants: [{ actions: ['events:PutEvents'], resources: eventBus }],
    asDeployRole: [],
    environment: ['CROSSDEPLOY_EVENT_BUS_NAME'],
  },
  {
    id: 'AnnounceFailure',
    file: 'announce-failure',
    description: "crossdeploy: a failed pipeline's one exit: its innermost error, announced on the bus",
    // The failed environment's own error, from its description when the cause was cut; the notice on the bus.
    grants: [
      {
        actions: ['states:DescribeExecution'],
        resources: (scope) => [executionsArn(scope, scope.names.deployEnvironment)],
      },
      { actions: ['events:PutEvents'], resources: eventBus },
    ],
    asDeployRole: [],
    environment: ['CROSSDEPLOY_EVENT_BUS_NAME'],
  },
] as const satisfies readonly FunctionSpec[];

export type StepFunction = (typeof STEP_FUNCTIONS)[number];
export type StepFunctionId = StepFunction['id'];

/**
 * What every function needs besides its own calls, for active X-Ray tracing (the Lambda service sends the
 * segments with the function's role). Logs come with SST's AWSLambdaBasicExecutionRole. Both have no
 * resource type in IAM.
 */
export const TRACING_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'] as const;

export const functionVariable = (spec: Pick<FunctionSpec, 'id'>): string => `${spec.id}FunctionArn`;

/** `functions/open-ecr.handler`, relative to the app's root, as SST expects it. */
export const handlerOf = (spec: Pick<FunctionSpec, 'file'>): string => `functions/${spec.file}.handler`;

/** The IAM statements of one function's own role, as `sst.aws.Function` takes them in `permissions`. */
export function functionPermissions(
  spec: FunctionSpec,
  scope: GrantScope,
): { actions: string[]; resources: string[] }[] {
  return [
    ...spec.grants.map((grant) => ({ actions: [...grant.actions], resources: grant.resources(scope) })),
    { actions: [...TRACING_ACTIONS], resources: ['*'] },
  ];
}

/** The variables a function declares, with their values; a declared variable without a value is an error. */
export function functionEnvironment<V>(
  spec: Pick<FunctionSpec, 'id' | 'environment'>,
  values: Readonly<Partial<Record<EnvironmentVariable, V>>>,
): Record<string, V> {
  const environment: Record<string, V> = {};
  for (const name of spec.environment) {
    const value = values[name];
    if (value === undefined) throw new Error(`${spec.id}: no value for its environment variable ${name}`);
    environment[name] = value;
  }
  return environment;
}
