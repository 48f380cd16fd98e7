// The orchestrator's DynamoDB tables (stacks/tables.ts, from aws/tables.ts), the artifacts bucket, the approvers'
// SNS topics and the topic of deployment notices.
import { DEPLOYMENTS_PREFIX } from './images';
import { type OrchestratorNames, resourceIds } from './names';
import { tlsOnlyBucketPolicy } from './policies';
import { dynamoTableArgs, TABLES, type TableId } from './tables';

export type Tables = Record<TableId, aws.dynamodb.Table>;

export function createTables(names: OrchestratorNames): Tables {
  const prod = $app.stage === 'prod';
  const tables: Partial<Tables> = {};
  for (const spec of TABLES) {
    const args = dynamoTableArgs(spec.define(spec.name(names)), 'ttl' in spec ? spec.ttl : undefined);
    const retained = 'retained' in spec && spec.retained;
    tables[spec.id] = new aws.dynamodb.Table(
      `${spec.id}Table`,
      {
        ...args,
        // Approvals and leases are the state of running pipelines: recoverable in prod, and not deleted by
        // accident. The ledger (what ran where) and the template registry (what each version was) are audit
        // records: recoverable and protected in every stage.
        pointInTimeRecovery: { enabled: prod || retained },
        deletionProtectionEnabled: prod || retained,
      },
      // `sst remove` of any stage leaves the retained tables in place (only prod retains everything, `removal: retain`).
      retained ? { retainOnDelete: true } : undefined,
    );
  }
  return tables as Tables;
}

/**
 * The application stacks' templates, one object per service and commit (aws/artifacts.ts): private, encrypted,
 * TLS only. Nothing expires: a rollback redeploys an old commit's template, and a template is a few kilobytes.
 */
export function createArtifactsBucket(names: OrchestratorNames): aws.s3.Bucket {
  const bucket = new aws.s3.Bucket('ArtifactsBucket', {
    bucket: names.artifactsBucket,
    // A removed dev stage takes its templates along; prod keeps them (and `removal: retain` keeps the bucket).
    forceDestroy: $app.stage !== 'prod',
  });
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
  const publicAccess = new aws.s3.BucketPublicAccessBlock('ArtifactsBucketPublicAccess', {
    bucket: bucket.id,
    blockPublicAcls: true,
    ignorePublicAcls: true,
    blockPublicPolicy: true,
    restrictPublicBuckets: true,
  });
  // SSE-S3: S3's own keys, so the roles that read and write need no KMS grant
  // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingServerSideEncryption.html).
  new aws.s3.BucketServerSideEncryptionConfiguration('ArtifactsBucketEncryption', {
    bucket: bucket.id,
    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
  });
  new aws.s3.BucketPolicy(
    'ArtifactsBucketPolicy',
    { bucket: bucket.id, policy: bucket.arn.apply(tlsOnlyBucketPolicy) },
    // One after the other: the two at once can fail with OperationAborted, "a conflicting conditional operation"
    // (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html, as in
    // https://github.com/hashicorp/terraform-provider-aws/issues/7628).
    { dependsOn: [publicAccess] },
  );
  // A deployment's waves are read while it runs and by an operator looking into it afterwards; Step Functions keeps
  // a Standard execution's history 90 days after it ends (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html),
  // and so does the bucket. The templates under applications/ stay: a rollback redeploys an old commit's.
  new aws.s3.BucketLifecycleConfiguration('ArtifactsBucketLifecycle', {
    bucket: bucket.id,
    rules: [
      {
        id: 'expire-deployment-waves',
        status: 'Enabled',
        filter: { prefix: DEPLOYMENTS_PREFIX },
        expiration: { days: DEPLOYMENT_WAVES_RETENTION_DAYS },
      },
    ],
  });
  return bucket;
}

/** How long a deployment's waves stay in the artifacts bucket. */
export const DEPLOYMENT_WAVES_RETENTION_DAYS = 90;

/**
 * One topic per approval gate of the map, named as the map names it (request-approval publishes by that
 * name). Who is told (e-mail, chat) is subscribed outside the stack.
 */
export function createApprovalTopics(names: OrchestratorNames): Record<string, aws.sns.Topic> {
  const topics: Record<string, aws.sns.Topic> = {};
  for (const [topic, id] of resourceIds(names.approvalTopics)) {
    topics[topic] = new aws.sns.Topic(`ApprovalTopic${id}`, { name: topic });
  }
  return topics;
}

/**
 * `crossdeploy-<stage>-notifications`: notify publishes every deployment notice here. Always created (a topic
 * nobody subscribes to costs nothing and delivers nothing); subscribing is how a team opts in.
 */
export function createNotificationsTopic(names: OrchestratorNames): aws.sns.Topic {
  return new aws.sns.Topic('NotificationsTopic', { name: names.notificationsTopic });
}
