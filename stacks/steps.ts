// The step functions and exactly what each one calls: the one table stacks/functions.ts deploys from.
// Pure (no Pulumi, no SST globals), so a test can hold it against the handlers' code.

/** Where a grant's resources live: the tools account and region this stage deploys to. */
export interface GrantScope {
  partition: string;
  account: string;
  region: string;
  /** Name of the role assumed in target accounts (stacks/config.ts). */
  deployRole: string;
}

export interface Grant {
  actions: readonly string[];
  resources: (scope: GrantScope) => string[];
}

export interface StepFunctionSpec {
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
}

/** Every step that touches a target account first assumes the deploy role there, and no other role. */
const ASSUME_DEPLOY_ROLE: Grant = {
  actions: ['sts:AssumeRole'],
  resources: ({ partition, deployRole }) => [`arn:${partition}:iam::*:role/${deployRole}`],
};

export const STEP_FUNCTIONS = [
  {
    id: 'AssumeDeployRole',
    file: 'assume-deploy-role',
    description: 'crossdeploy: assume the deploy role in the target account (fails early when not bootstrapped)',
    grants: [ASSUME_DEPLOY_ROLE],
    asDeployRole: [],
  },
  {
    id: 'OpenEcr',
    file: 'open-ecr',
    description: "crossdeploy: let the target account pull from the orchestrator's ECR repository",
    grants: [
      {
        actions: ['ecr:GetRepositoryPolicy', 'ecr:SetRepositoryPolicy'],
        resources: ({ partition, region, account }) => [`arn:${partition}:ecr:${region}:${account}:repository/*`],
      },
      {
        // Registry-level actions have no resource type in IAM: "*" is the only resource they accept.
        actions: ['ecr:GetRegistryPolicy', 'ecr:PutRegistryPolicy'],
        resources: () => ['*'],
      },
    ],
    asDeployRole: [],
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
  },
  {
    id: 'UpdateService',
    file: 'update-service',
    description: 'crossdeploy: point the ECS service at the new revision',
    grants: [ASSUME_DEPLOY_ROLE],
    asDeployRole: ['ecs:UpdateService'],
  },
  {
    id: 'CheckRollout',
    file: 'check-rollout',
    description: 'crossdeploy: one check of an ECS rollout or rollback',
    grants: [ASSUME_DEPLOY_ROLE],
    asDeployRole: ['ecs:DescribeServices'],
  },
  {
    id: 'CheckHealth',
    file: 'check-health',
    description: 'crossdeploy: one health check during the bake',
    grants: [ASSUME_DEPLOY_ROLE],
    asDeployRole: ['ecs:DescribeServices', 'cloudwatch:DescribeAlarms'],
  },
  {
    id: 'RollBackService',
    file: 'roll-back-service',
    description: 'crossdeploy: put the ECS service back on its previous revision',
    grants: [ASSUME_DEPLOY_ROLE],
    asDeployRole: ['ecs:DescribeServices', 'ecs:UpdateService'],
  },
  {
    id: 'EvaluateWave',
    file: 'evaluate-wave',
    description: 'crossdeploy: decide whether a wave stands or falls',
    grants: [],
    asDeployRole: [],
  },
] as const satisfies readonly StepFunctionSpec[];

export type StepFunction = (typeof STEP_FUNCTIONS)[number];
export type StepFunctionId = StepFunction['id'];

/**
 * What every function needs besides its own calls, for active X-Ray tracing (the Lambda service sends the
 * segments with the function's role). Logs come with SST's AWSLambdaBasicExecutionRole. Both have no
 * resource type in IAM.
 */
export const TRACING_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'] as const;

export const functionVariable = (spec: Pick<StepFunctionSpec, 'id'>): string => `${spec.id}FunctionArn`;

/** `functions/open-ecr.handler`, relative to the app's root, as SST expects it. */
export const handlerOf = (spec: Pick<StepFunctionSpec, 'file'>): string => `functions/${spec.file}.handler`;

/** The IAM statements of one function's own role, as `sst.aws.Function` takes them in `permissions`. */
export function functionPermissions(
  spec: StepFunctionSpec,
  scope: GrantScope,
): { actions: string[]; resources: string[] }[] {
  return [
    ...spec.grants.map((grant) => ({ actions: [...grant.actions], resources: grant.resources(scope) })),
    { actions: [...TRACING_ACTIONS], resources: ['*'] },
  ];
}
