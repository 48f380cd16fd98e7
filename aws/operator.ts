import { DescribeExecutionCommand, type DescribeExecutionCommandOutput, type SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

// What the operator commands (rollback, abort) share: who is calling, and how to follow an execution to its end.

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The caller's principal ARN, which the ledger records and `skipAllowed` is checked against. */
export async function callerArn(sts: Pick<STSClient, 'send'> = new STSClient({})): Promise<string> {
  const { Arn } = await sts.send(new GetCallerIdentityCommand({}));
  if (!Arn) throw new Error('sts:GetCallerIdentity named no caller');
  return Arn;
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
