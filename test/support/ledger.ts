import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { defaultDocumentClient } from '../../aws/lease';
import { settings } from '../../aws/settings';
import type { LedgerRecord } from '../../core/ledger';

/** A ledger record as the workflows would have written it, the fields a test leaves out set to null. */
export type RecordFixture = Pick<
  LedgerRecord,
  'target' | 'deploymentId' | 'serviceName' | 'environment' | 'account' | 'region' | 'cluster' | 'service'
> &
  Partial<LedgerRecord>;

export async function putRecord(record: RecordFixture, db = defaultDocumentClient()): Promise<void> {
  const whole: LedgerRecord = {
    pipelineId: record.deploymentId,
    executionName: `${record.deploymentId}-${record.account}-${record.region}`,
    kind: 'deploy',
    commit: '0'.repeat(40),
    imageDigest: `sha256:${'0'.repeat(64)}`,
    imageUri: `111111111111.dkr.ecr.us-east-1.amazonaws.com/web@sha256:${'0'.repeat(64)}`,
    taskDefinitionArn: null,
    previousTaskDefinitionArn: null,
    startedAt: new Date(0).toISOString(),
    endedAt: null,
    result: 'in-progress',
    approver: null,
    comment: null,
    requestedBy: null,
    rollbackReason: null,
    ...record,
  };
  await db.send(new PutCommand({ TableName: settings.ledgerTable(), Item: whole }));
}
