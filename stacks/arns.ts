// ARNs of the orchestrator's own resources, built from their names. Pure (no Pulumi, no SST globals).
// Grants are built from names rather than from resources' outputs, so no role waits for (or cycles through)
// the resource it is allowed to use.

/** The tools account and region this stage deploys to. */
export interface Where {
  partition: string;
  account: string;
  region: string;
}

export const stateMachineArn = ({ partition, region, account }: Where, name: string): string =>
  `arn:${partition}:states:${region}:${account}:stateMachine:${name}`;

/** The execution of that name of the state machine of that ARN. */
export const executionArnIn = (stateMachineArn: string, name: string): string =>
  `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;

/** Every execution of the named machine. */
export const executionsArn = ({ partition, region, account }: Where, name: string): string =>
  `arn:${partition}:states:${region}:${account}:execution:${name}:*`;

export const tableArn = ({ partition, region, account }: Where, table: string): string =>
  `arn:${partition}:dynamodb:${region}:${account}:table/${table}`;

export const tableIndexArn = (where: Where, table: string, index: string): string =>
  `${tableArn(where, table)}/index/${index}`;

export const eventBusArn = ({ partition, region, account }: Where, bus: string): string =>
  `arn:${partition}:events:${region}:${account}:event-bus/${bus}`;

/** A rule on the default bus (as Step Functions' managed rules are). */
export const defaultBusRuleArn = ({ partition, region, account }: Where, rule: string): string =>
  `arn:${partition}:events:${region}:${account}:rule/${rule}`;

/** An SSM parameter by its name (a name without a path: `crossdeploy-prod-x`). */
export const parameterArn = ({ partition, region, account }: Where, name: string): string =>
  `arn:${partition}:ssm:${region}:${account}:parameter/${name}`;

export const topicArn = ({ partition, region, account }: Where, topic: string): string =>
  `arn:${partition}:sns:${region}:${account}:${topic}`;

export const repositoryArn = ({ partition, region, account }: Where, repository: string): string =>
  `arn:${partition}:ecr:${region}:${account}:repository/${repository}`;

export const buildProjectArn = ({ partition, region, account }: Where, project: string): string =>
  `arn:${partition}:codebuild:${region}:${account}:project/${project}`;

/** The log streams of one log group (what CreateLogStream and PutLogEvents are granted on). */
export const logStreamsArn = ({ partition, region, account }: Where, group: string): string =>
  `arn:${partition}:logs:${region}:${account}:log-group:${group}:log-stream:*`;

/**
 * S3 ARNs name no region or account
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html#amazons3-resources-for-iam-policies).
 */
export const bucketArn = ({ partition }: Pick<Where, 'partition'>, bucket: string): string =>
  `arn:${partition}:s3:::${bucket}`;

/** The objects of a bucket whose keys start with `keyPrefix`. */
export const objectsArn = (where: Pick<Where, 'partition'>, bucket: string, keyPrefix: string): string =>
  `${bucketArn(where, bucket)}/${keyPrefix}*`;

export const codecommitRepositoryArn = ({ partition, region, account }: Where, repository: string): string =>
  `arn:${partition}:codecommit:${region}:${account}:${repository}`;
