import { DescribeExecutionCommand, type DescribeExecutionCommandOutput, type SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type LedgerRecord, ledgerKey } from '../core/ledger';
import { environmentTargets } from '../core/map/plan';
import type { DeploymentMap } from '../core/map/schema';
import type { DocumentClient } from './lease';
import { targetHistory } from './ledger';

// What the operator commands (rollback, abort) share: who is calling, what the ledger says about an
// environment, and how to follow an execution to its end.

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The caller's principal ARN, which the ledger records and `skipAllowed` is checked against. */
export async function callerArn(sts: Pick<STSClient, 'send'> = new STSClient({})): Promise<string> {
  const { Arn } = await sts.send(new GetCallerIdentityCommand({}));
  if (!Arn) throw new Error('sts:GetCallerIdentity named no caller');
  return Arn;
}

/** Every ledger record of one service × environment, across its targets, newest first. */
export async function environmentLedger(
  map: DeploymentMap,
  serviceName: string,
  environment: string,
  table: string,
  db: DocumentClient,
): Promise<LedgerRecord[]> {
  const targets = environmentTargets(map, serviceName, environment);
  const histories = await Promise.all(
    targets.map((target) => targetHistory(table, ledgerKey(serviceName, environment, target), db)),
  );
  return histories.flat().sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

/**
 * Waits until an execution is no longer running, telling each check. Commands may wait; Lambda functions
 * never do (their waits are Wait states).
 */
export async function waitForExecution(
  sfn: Pick<SFNClient, 'send'>,
  executionArn: string,
  options: { sleep: Sleep; intervalMs: number; onCheck?: (status: string) => void },
): Promise<DescribeExecutionCommandOutput> {
  for (;;) {
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    options.onCheck?.(described.status ?? 'UNKNOWN');
    if (described.status !== 'RUNNING' && described.status !== 'PENDING_REDRIVE') return described;
    await options.sleep(options.intervalMs);
  }
}
