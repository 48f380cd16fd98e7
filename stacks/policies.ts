// IAM documents of the state machines' and the builds' roles, of the dead-letter queues and of the artifacts
// bucket. Pure (no Pulumi, no SST globals), so tests can read them.
import {
  buildProjectArn,
  codecommitRepositoryArn,
  defaultBusRuleArn,
  executionsArn,
  logStreamsArn,
  objectsArn,
  repositoryArn,
  stateMachineArn,
  tableArn,
  type Where,
} from './arns';
import { APPLICATIONS_PREFIX } from './images';
import type { ImageBuild, PackageBuild } from './names';

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** The managed rule through which Step Functions learns that a `.sync` child execution ended. */
export const SYNC_EXECUTION_RULE = 'StepFunctionsGetEventsForStepFunctionsExecutionRule';

/** The managed rule through which Step Functions learns that a `codebuild:startBuild.sync` build ended. */
export const SYNC_BUILD_RULE = 'StepFunctionsGetEventsForCodeBuildStartBuildRule';

/** Vended log delivery to CloudWatch Logs; none of these actions has a resource type in IAM. */
export const LOG_DELIVERY_ACTIONS = [
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
] as const;

/** X-Ray tracing of executions; no resource type in IAM either. */
export const STATE_MACHINE_TRACING_ACTIONS = [
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
] as const;

/** Step Functions in this account and region only (confused-deputy guard), as AWS documents it. */
export function stateMachineTrustPolicy(where: Where): string {
  return serviceTrustPolicy('states.amazonaws.com', where, stateMachineArn(where, '*'));
}

export interface StateMachinePolicyInput {
  where: Where;
  /** ARNs of the functions its definition invokes. */
  functionArns: string[];
  /** Names (not ARNs: built from names, so no role waits for another machine) of the machines it starts. */
  children: string[];
  /** It waits for its children with `startExecution.sync`. */
  waitsForChildren: boolean;
  /** Names of the CodeBuild projects it starts builds of. */
  buildProjects?: string[];
  /** It waits for the builds with `startBuild.sync`. */
  waitsForBuilds?: boolean;
  /** Its Distributed Maps: its own name, and where in the artifacts bucket they read items and write results. */
  mapRuns?: { stateMachine: string; bucket: string; prefix: string };
}

/** What one state machine's role may do: its functions, its children, its logs and traces, nothing else. */
export function stateMachinePolicy({
  where,
  functionArns,
  children,
  waitsForChildren,
  buildProjects = [],
  waitsForBuilds = false,
  mapRuns,
}: StateMachinePolicyInput): PolicyDocument {
  const statements: PolicyStatement[] = [];
  if (functionArns.length > 0) {
    statements.push({
      Sid: 'InvokeItsFunctions',
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction'],
      Resource: [...functionArns].sort(),
    });
  }
  if (children.length > 0) {
    statements.push({
      Sid: 'StartChildExecutions',
      Effect: 'Allow',
      Action: ['states:StartExecution'],
      Resource: children.map((name) => stateMachineArn(where, name)).sort(),
    });
    if (waitsForChildren) {
      statements.push(
        {
          Sid: 'FollowChildExecutions',
          Effect: 'Allow',
          Action: ['states:DescribeExecution', 'states:StopExecution'],
          Resource: children.map((name) => executionsArn(where, name)).sort(),
        },
        {
          Sid: 'SyncExecutionEvents',
          Effect: 'Allow',
          Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
          Resource: [defaultBusRuleArn(where, SYNC_EXECUTION_RULE)],
        },
      );
    }
  }
  if (buildProjects.length > 0) {
    const projects = buildProjects.map((name) => buildProjectArn(where, name)).sort();
    statements.push({
      Sid: 'RunBuilds',
      Effect: 'Allow',
      // StopBuild: Step Functions stops the build when the execution is stopped or the task times out.
      Action: waitsForBuilds
        ? ['codebuild:StartBuild', 'codebuild:StopBuild', 'codebuild:BatchGetBuilds']
        : ['codebuild:StartBuild'],
      Resource: projects,
    });
    if (waitsForBuilds) {
      statements.push({
        Sid: 'SyncBuildEvents',
        Effect: 'Allow',
        Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        Resource: [defaultBusRuleArn(where, SYNC_BUILD_RULE)],
      });
    }
  }
  if (mapRuns) statements.push(...mapRunStatements(where, mapRuns));
  statements.push(
    { Sid: 'DeliverLogs', Effect: 'Allow', Action: [...LOG_DELIVERY_ACTIONS], Resource: ['*'] },
    { Sid: 'Trace', Effect: 'Allow', Action: [...STATE_MACHINE_TRACING_ACTIONS], Resource: ['*'] },
  );
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * A Distributed Map starts its child executions as executions of its own state machine, follows and stops them
 * (`execution:<name>/<map run>:<child>`), reads its items with s3:GetObject and writes its results with
 * s3:PutObject, which may be multipart (https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html).
 */
function mapRunStatements(where: Where, mapRuns: NonNullable<StateMachinePolicyInput['mapRuns']>): PolicyStatement[] {
  const { partition, region, account } = where;
  return [
    {
      Sid: 'StartMapRunChildren',
      Effect: 'Allow',
      Action: ['states:StartExecution'],
      Resource: [stateMachineArn(where, mapRuns.stateMachine)],
    },
    {
      Sid: 'FollowMapRunChildren',
      Effect: 'Allow',
      Action: ['states:DescribeExecution', 'states:StopExecution'],
      Resource: [`arn:${partition}:states:${region}:${account}:execution:${mapRuns.stateMachine}/*`],
    },
    {
      Sid: 'ReadItemsWriteResults',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
      Resource: [objectsArn(where, mapRuns.bucket, mapRuns.prefix)],
    },
  ];
}

/** A service principal of this account only, for resources it acts on (confused-deputy guard). */
function serviceTrustPolicy(service: string, where: Where, sourceArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: service },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': where.account }, ArnLike: { 'aws:SourceArn': sourceArn } },
      },
    ],
  });
}

/** CodeBuild, for the build project of this stage only. */
export function buildTrustPolicy(where: Where, project: string): string {
  return serviceTrustPolicy('codebuild.amazonaws.com', where, buildProjectArn(where, project));
}

/** The layer and image calls of `docker push` to ECR (BatchGetImage: it checks for a manifest first). */
export const ECR_PUSH_ACTIONS = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:BatchGetImage',
  'ecr:CompleteLayerUpload',
  'ecr:InitiateLayerUpload',
  'ecr:PutImage',
  'ecr:UploadLayerPart',
] as const;

/**
 * What a GitHub App connection's user needs, in the ARN's own service prefix (CodeConnections was CodeStar
 * Connections, and both ARN forms exist): https://docs.aws.amazon.com/codebuild/latest/userguide/connections-github-app.html
 */
export function connectionActions(connectionArn: string): string[] {
  const prefix = connectionArn.split(':')[2] ?? 'codeconnections';
  return [`${prefix}:GetConnection`, `${prefix}:GetConnectionToken`];
}

/** What a build's role is scoped by: where it checks its service out from, and where what it makes goes. */
export type BuildAccess =
  | Pick<ImageBuild, 'kind' | 'repository' | 'codecommitRepository' | 'connection'>
  | Pick<PackageBuild, 'kind' | 'service' | 'bucket' | 'codecommitRepository' | 'connection'>;

/**
 * One service's build role: check out that service's CodeCommit repository (or use its GitHub connection),
 * write that service's images (an ECS service) or templates (an application stack) and its own logs, nothing
 * else. A build runs the service's code and test command, so it must not be able to overwrite another
 * service's images or templates. (GitHub sources without a connection are read with the account's CodeBuild
 * source credential.)
 */
export function buildPolicy({
  where,
  build,
  logGroup,
}: {
  where: Where;
  build: BuildAccess;
  logGroup: string;
}): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      ...sourceStatements(where, build),
      ...(build.kind === 'image'
        ? pushImageStatements(where, build.repository)
        : storeTemplateStatements(where, build)),
      {
        Sid: 'WriteItsLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [logStreamsArn(where, logGroup)],
      },
    ],
  };
}

function sourceStatements(
  where: Where,
  build: Pick<BuildAccess, 'codecommitRepository' | 'connection'>,
): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  if (build.codecommitRepository !== undefined) {
    statements.push({
      Sid: 'PullSource',
      Effect: 'Allow',
      Action: ['codecommit:GitPull'],
      Resource: [codecommitRepositoryArn(where, build.codecommitRepository)],
    });
  }
  if (build.connection !== undefined) {
    statements.push({
      Sid: 'UseConnection',
      Effect: 'Allow',
      Action: connectionActions(build.connection),
      Resource: [build.connection],
    });
  }
  return statements;
}

function pushImageStatements(where: Where, repository: string): PolicyStatement[] {
  return [
    { Sid: 'PushImages', Effect: 'Allow', Action: [...ECR_PUSH_ACTIONS], Resource: [repositoryArn(where, repository)] },
    // `docker login` to ECR; the action has no resource type in IAM.
    { Sid: 'LogInToEcr', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: ['*'] },
  ];
}

/** `aws s3 cp` of the template to `applications/<service>/<commit>/template.yaml`: a write, never a read or a delete. */
function storeTemplateStatements(where: Where, build: Pick<PackageBuild, 'service' | 'bucket'>): PolicyStatement[] {
  return [
    {
      Sid: 'StoreTemplates',
      Effect: 'Allow',
      Action: ['s3:PutObject'],
      Resource: [objectsArn(where, build.bucket, `${APPLICATIONS_PREFIX}${build.service}/`)],
    },
  ];
}

/**
 * The artifacts bucket refuses every request not made over TLS, whoever makes it: S3 accepts HTTP unless a
 * bucket policy denies requests whose aws:SecureTransport is false
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html). It grants nothing: the
 * functions and builds are allowed by their own roles.
 */
export function tlsOnlyBucketPolicy(bucketArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  });
}

/**
 * A rule target's dead-letter queue: EventBridge may put there what it could not deliver, for these rules
 * only. (The function's on-failure destination writes with the function's own role.)
 */
export function deadLetterQueuePolicy(queueArn: string, ruleArns: string[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'UndeliveredEvents',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': [...ruleArns].sort() } },
      },
    ],
  });
}

/**
 * The Organization whose accounts may put events on the stage's bus: `bootstrap.organizationId`, else
 * `ecr.principalOrgId`; undefined when the map names neither (then the bus has no resource policy, and the
 * target accounts' forwarding rules cannot deliver to it).
 */
export function busOrganizationId(map: {
  bootstrap?: { organizationId?: string };
  ecr?: { principalOrgId?: string };
}): string | undefined {
  return map.bootstrap?.organizationId ?? map.ecr?.principalOrgId;
}

/**
 * The stage's bus: any principal of the Organization may put events on it. The target accounts' forwarding
 * rules (stacks/target-account.yaml) put their ECS and CloudWatch alarm events with a role of their account.
 */
export function eventBusPolicy(busArn: string, organizationId: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OrganizationPutEvents',
        Effect: 'Allow',
        Principal: '*',
        Action: 'events:PutEvents',
        Resource: busArn,
        Condition: { StringEquals: { 'aws:PrincipalOrgID': organizationId } },
      },
    ],
  });
}

/** The doctor's role: any principal of the tools account that its own IAM policy lets assume it. */
export function doctorTrustPolicy({ partition, account }: Where): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ToolsAccountAdmins',
        Effect: 'Allow',
        Principal: { AWS: `arn:${partition}:iam::${account}:root` },
        Action: 'sts:AssumeRole',
      },
    ],
  });
}

/**
 * What `crossdeploy doctor` calls with its own credentials (aws/doctor-checks.ts): assume the deploy role in
 * the target accounts (everything else there it does as that role), read the map's repositories and their
 * policies in the tools account, and read the template registry (whether the version a service's template names
 * is published: GetItem, and Query to list the versions that are). Nothing else.
 */
export function doctorPolicy({
  where,
  deployRole,
  repositories,
  templatesTable,
}: {
  where: Where;
  deployRole: string;
  repositories: string[];
  templatesTable: string;
}): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AssumeDeployRole',
        Effect: 'Allow',
        Action: ['sts:AssumeRole'],
        Resource: [`arn:${where.partition}:iam::*:role/${deployRole}`],
      },
      {
        Sid: 'ReadRepositories',
        Effect: 'Allow',
        Action: ['ecr:DescribeRepositories', 'ecr:GetRepositoryPolicy'],
        Resource: repositories.map((repository) => repositoryArn(where, repository)).sort(),
      },
      {
        Sid: 'ReadTemplateRegistry',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:Query'],
        Resource: [tableArn(where, templatesTable)],
      },
    ],
  };
}
