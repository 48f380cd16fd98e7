// The waits table (aws/tables.ts) as the deploy-target workflow's waits use it: a wait parks its task token with
// what it waits for, and whichever comes first (the target's event, or the wait's own check) takes it, once.

import { createHash } from 'node:crypto';
import type { DeployTarget, Progress } from '../core/contracts';
import { type TargetWait, waitSubject } from '../core/target-waits';
import { conditionalWrite } from './conditional-write';
import type { DocumentClient } from './lease';
import {
  type Handover,
  parkToken,
  pendingTokens,
  sendSuccess,
  type TaskTokenSfn,
  type TokenTable,
  takeToken,
} from './task-tokens';

/** One item of the waits table. */
export type WaitRecord = TargetWait & {
  waitId: string;
  /** `<account>/<region>`: the table's partition, which one event reads. */
  subject: string;
  taskToken: string;
  status: string;
  executionArn: string;
  createdAt: string;
  /** Epoch seconds: DynamoDB's TTL removes the item a day after the execution's own 24-hour limit. */
  expiresAt: number;
  /** Once ended: by `event` or by the wait's own `check`, and the state it ended with. */
  endedBy?: 'event' | 'check';
  state?: string;
};

/** Items outlive the deploy-target execution (TimeoutSeconds 86400) that parked them by a day. */
const KEPT_SECONDS = 2 * 86_400;

// Partitioned by subject and read consistently: an event that comes right after a wait was parked finds it.
const waits = (table: string): TokenTable => ({
  name: table,
  key: 'waitId',
  bySubject: { attribute: 'subject' },
});

/** A wait's id is its token's hash: a retried park of the same task finds its own item, and no token is a key. */
export function waitIdOf(taskToken: string): string {
  return createHash('sha256').update(taskToken).digest('hex');
}

/** Parks a wait; parking the same token again (a retried invocation) leaves the first item as it is. */
export async function parkWait(
  db: DocumentClient,
  table: string,
  wait: TargetWait & { taskToken: string; executionArn: string; now: Date },
): Promise<WaitRecord> {
  const { taskToken, executionArn, now, ...waitingFor } = wait;
  const record: WaitRecord = {
    ...waitingFor,
    waitId: waitIdOf(taskToken),
    subject: waitSubject(wait.target),
    taskToken,
    status: 'pending',
    executionArn,
    createdAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + KEPT_SECONDS,
  };
  await conditionalWrite(`dynamodb:PutItem ${table}`, () => parkToken(db, waits(table), record));
  return record;
}

/** The waits still pending on `target`'s account and region. */
export function pendingWaits(db: DocumentClient, table: string, target: Pick<DeployTarget, 'account' | 'region'>) {
  return pendingTokens<WaitRecord>(db, waits(table), waitSubject(target));
}

/**
 * Ends a pending wait with `progress` as its task's result, unless something else ended it first: the event
 * and the wait's own check can race, and exactly one of them resumes the execution.
 */
export async function endWait(
  db: DocumentClient,
  sfn: TaskTokenSfn,
  table: string,
  wait: WaitRecord,
  progress: Progress,
  endedBy: 'event' | 'check',
): Promise<Handover | undefined> {
  const key = { subject: wait.subject, waitId: wait.waitId };
  const taken = await takeToken(db, waits(table), key, 'ended', { endedBy, state: progress.state });
  if (!taken) return undefined;
  return sendSuccess(sfn, wait.taskToken, progress);
}
