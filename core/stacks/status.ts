// What a CloudFormation stack's status means to a deployment, read from one DescribeStacks and one
// DescribeStackEvents answer. CloudFormation rolls a failed stack back by itself
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stack-failure-options.html), so a failure is
// only ever seen once the stack is back where it was: the deployment then failed, and the target is as before.
// Status codes: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/view-stack-events.html#cfn-console-view-stack-data-resources-status-codes

export type StackState = 'IN_PROGRESS' | 'COMPLETED' | 'ROLLED_BACK' | 'STUCK';

const COMPLETED = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE']);
/** CloudFormation undid the operation: the stack is back on what it ran before (or, created, has nothing). */
const ROLLED_BACK = new Set(['ROLLBACK_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE']);
/** Neither done nor undone: someone has to look (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html#troubleshooting-errors-update-rollback-failed). */
const STUCK = new Set([
  'CREATE_FAILED',
  'ROLLBACK_FAILED',
  'UPDATE_FAILED',
  'UPDATE_ROLLBACK_FAILED',
  'DELETE_FAILED',
  'IMPORT_ROLLBACK_FAILED',
]);

/**
 * The stack's state for a deployment that executed a change set. `UPDATE_COMPLETE_CLEANUP_IN_PROGRESS` counts as
 * in progress: old resources are still being removed, and a rollback started now would fail.
 */
export function stackState(status: string): StackState {
  if (COMPLETED.has(status)) return 'COMPLETED';
  if (ROLLED_BACK.has(status)) return 'ROLLED_BACK';
  if (STUCK.has(status)) return 'STUCK';
  return 'IN_PROGRESS';
}

/** A stack in one of these may take a change set; any other `_IN_PROGRESS` one is busy with another operation. */
export function acceptsChangeSet(status: string): 'create' | 'update' | 'busy' | 'blocked' {
  if (status === 'REVIEW_IN_PROGRESS') return 'create';
  // A stack whose creation rolled back can only be deleted
  // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html#troubleshooting-errors-stack-rollback-complete).
  if (status === 'ROLLBACK_COMPLETE' || STUCK.has(status)) return 'blocked';
  if (status.endsWith('_IN_PROGRESS')) return 'busy';
  return 'update';
}

export interface StackEvent {
  timestamp: Date;
  logicalResourceId: string;
  resourceType: string;
  resourceStatus: string;
  reason?: string;
}

/**
 * Where this deployment's events start: when the change set was executed, by the step's clock, less a second for
 * CloudFormation's clock. Older events are another deployment's.
 */
export function eventsSince(executedAt: string): Date {
  return new Date(Date.parse(executedAt) - 1_000);
}

/**
 * The resource that made the stack fail: the earliest `_FAILED` event of a resource (not the stack itself) from
 * `since` on (eventsSince). A resource cancelled because another one failed says so ("Resource creation
 * cancelled"), so the earliest failure is the cause.
 */
export function failingResource(events: readonly StackEvent[], since: Date): StackEvent | undefined {
  return [...events]
    .filter((e) => e.timestamp.getTime() >= since.getTime())
    .filter((e) => e.resourceType !== 'AWS::CloudFormation::Stack' && e.resourceStatus.endsWith('_FAILED'))
    .sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime())[0];
}

/**
 * `UPDATE_ROLLBACK_COMPLETE after resource TaskRole (AWS::IAM::Role) CREATE_FAILED: <reason>`: the status first, so
 * a cause cut short still says where the stack ended up; the stack's own reason only when no resource says more.
 */
export function describeFailure(status: string, statusReason: string | undefined, resource?: StackEvent): string {
  if (!resource) return `${status}${statusReason ? ` (${statusReason})` : ''}`;
  const { logicalResourceId, resourceType, resourceStatus, reason } = resource;
  return `${status} after resource ${logicalResourceId} (${resourceType}) ${resourceStatus}: ${reason ?? 'no reason given'}`;
}

export type ChangeSetState = 'PENDING' | 'READY' | 'NO_CHANGES' | 'FAILED';

/**
 * A change set with nothing to change fails with this reason; for a deployment that is a success with nothing to do
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-changesets-create.html).
 */
const NO_CHANGES = /didn't contain changes|No updates are to be performed/;

export function changeSetState(status: string, statusReason: string | undefined): ChangeSetState {
  if (status === 'CREATE_COMPLETE') return 'READY';
  if (status === 'FAILED') return NO_CHANGES.test(statusReason ?? '') ? 'NO_CHANGES' : 'FAILED';
  return 'PENDING';
}
