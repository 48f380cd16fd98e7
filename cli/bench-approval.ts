// The approval gate at scale, for `crossdeploy bench --targets`: one request-approval for the environment the bench
// just deployed, against the same local AWS, and what it leaves behind that AWS bounds: the approvals table's item
// (400 KB, https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items) and
// the e-mail (SNS takes 256 KiB, https://docs.aws.amazon.com/sns/latest/api/API_Publish.html).

import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { withEveryTarget } from '../aws/approval-targets';
import { settings } from '../aws/settings';
import { approvalsTable } from '../aws/tables';
import { approvalMessage } from '../core/approval-message';
import type { DeploymentSpec, StoredEnvironmentRun } from '../core/contracts';
import { sharedDocumentClient, sharedS3Client } from '../functions/lib/clients';
import { requestApproval } from '../functions/request-approval';

export interface ApprovalAtScale {
  /** One request-approval invocation: reading every target's waves and ledger, storing, e-mailing. */
  wallMs: number;
  /** The approvals table's item: the first targets, and where the full list is. */
  approvalItemBytes: number;
  emailBytes: number;
  /** The full list the approval page reads from S3. */
  listBytes: number;
}

const TOPIC = 'bench-approvals';

export async function measureApproval(run: StoredEnvironmentRun): Promise<ApprovalAtScale> {
  const { orchestrator } = run.deployment;
  const db = new DynamoDBClient({ region: orchestrator.region });
  await db
    .send(new CreateTableCommand(approvalsTable(settings.approvalsTable())))
    .catch((error: Error) => {
      if (!(error instanceof ResourceInUseException)) throw error;
    })
    .finally(() => db.destroy());
  const sns = new SNSClient({ region: orchestrator.region });
  await sns.send(new CreateTopicCommand({ Name: TOPIC }));
  const { image, context: _context, ...deployment } = run.deployment as DeploymentSpec;
  const link = { signingKey: () => 'bench-signing-key', publicUrl: () => 'https://approvals.example.com' };

  const started = performance.now();
  const { approvalId, link: sent } = await requestApproval(
    {
      taskToken: `bench-token-${deployment.deploymentId}`,
      pipelineId: deployment.deploymentId,
      serviceName: deployment.serviceName,
      environment: deployment.environment,
      commit: deployment.commit,
      author: 'bench',
      message: 'bench: the approval gate at scale',
      image,
      stage: {
        environment: deployment.environment,
        approval: { topic: TOPIC, timeoutSeconds: 3600 },
        concurrency: 'queued',
        plan: { targetKind: 'ecs-service', deployment, waves: run.waves },
      },
      executionArn: `arn:aws:states:${orchestrator.region}:${orchestrator.account}:execution:bench:${deployment.deploymentId}`,
      kind: 'deploy',
    },
    { sns, ...link },
  );
  const wallMs = performance.now() - started;
  sns.destroy();

  const { Item } = await sharedDocumentClient().send(
    new GetCommand({ TableName: settings.approvalsTable(), Key: { approvalId }, ConsistentRead: true }),
  );
  const request = (Item as { request: Parameters<typeof withEveryTarget>[1] }).request;
  const every = await withEveryTarget(sharedS3Client(), request);
  return {
    wallMs: Math.round(wallMs),
    approvalItemBytes: Buffer.byteLength(JSON.stringify(Item)),
    emailBytes: Buffer.byteLength(approvalMessage(every, sent).body),
    listBytes: Buffer.byteLength(JSON.stringify(every.targets)),
  };
}
