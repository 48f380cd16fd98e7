import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { defaultDocumentClient } from '../../aws/lease';
import { settings } from '../../aws/settings';
import { type LedgerRecord, ledgerKey, type StackLedgerRecord } from '../../core/ledger';
import { ENVIRONMENT_STACK_SUBJECT } from '../../core/map/stack-plan';
import { environmentStackName } from '../../core/stacks/names';

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

/** An environment stack's record as deploy-stack would have written it, the fields a test leaves out filled in. */
export type StackRecordFixture = Pick<StackLedgerRecord, 'environment' | 'account' | 'region' | 'version'> &
  Partial<StackLedgerRecord>;

export async function putStackRecord(record: StackRecordFixture, db = defaultDocumentClient()): Promise<void> {
  const deploymentId = record.deploymentId ?? `env-${record.environment}-${record.version.replace('.', '-')}`;
  const whole: StackLedgerRecord = {
    target: ledgerKey(ENVIRONMENT_STACK_SUBJECT, record.environment, record),
    deploymentId,
    targetKind: 'cloudformation-stack',
    pipelineId: deploymentId,
    executionName: `${deploymentId}-${record.account}-${record.region}`,
    kind: 'deploy',
    serviceName: ENVIRONMENT_STACK_SUBJECT,
    stackName: environmentStackName(record.environment),
    stackId: `arn:aws:cloudformation:${record.region}:${record.account}:stack/${environmentStackName(record.environment)}/1`,
    template: { kind: 'environments', name: 'network' },
    previousVersion: null,
    previousRevision: JSON.stringify({ template: null, parameters: [] }),
    inputsHash: '0'.repeat(64),
    commit: 'templates@main',
    startedAt: new Date(0).toISOString(),
    endedAt: new Date(60_000).toISOString(),
    result: 'succeeded',
    approver: null,
    comment: null,
    requestedBy: null,
    rollbackReason: null,
    ...record,
  };
  await db.send(new PutCommand({ TableName: settings.ledgerTable(), Item: whole }));
}
