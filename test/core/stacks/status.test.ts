import { describe, expect, it } from 'vitest';
import {
  acceptsChangeSet,
  changeSetState,
  describeFailure,
  eventsSince,
  failingResource,
  type StackEvent,
  stackState,
} from '../../../core/stacks/status';

describe('stackState', () => {
  it.each([
    ['CREATE_COMPLETE', 'COMPLETED'],
    ['UPDATE_COMPLETE', 'COMPLETED'],
    ['CREATE_IN_PROGRESS', 'IN_PROGRESS'],
    ['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'IN_PROGRESS'],
    ['UPDATE_ROLLBACK_IN_PROGRESS', 'IN_PROGRESS'],
    ['ROLLBACK_COMPLETE', 'ROLLED_BACK'],
    ['UPDATE_ROLLBACK_COMPLETE', 'ROLLED_BACK'],
    ['UPDATE_ROLLBACK_FAILED', 'STUCK'],
    ['ROLLBACK_FAILED', 'STUCK'],
    ['DELETE_FAILED', 'STUCK'],
  ])('reads %s as %s', (status, state) => {
    expect(stackState(status)).toBe(state);
  });
});

describe('acceptsChangeSet', () => {
  it.each([
    ['REVIEW_IN_PROGRESS', 'create'],
    ['CREATE_COMPLETE', 'update'],
    ['UPDATE_ROLLBACK_COMPLETE', 'update'],
    ['UPDATE_IN_PROGRESS', 'busy'],
    ['ROLLBACK_COMPLETE', 'blocked'],
    ['UPDATE_ROLLBACK_FAILED', 'blocked'],
  ])('takes a stack in %s as %s', (status, answer) => {
    expect(acceptsChangeSet(status)).toBe(answer);
  });
});

describe('changeSetState', () => {
  it.each<[string, string | undefined, string]>([
    ['CREATE_PENDING', undefined, 'PENDING'],
    ['CREATE_IN_PROGRESS', undefined, 'PENDING'],
    ['CREATE_COMPLETE', undefined, 'READY'],
    [
      'FAILED',
      "The submitted information didn't contain changes. Submit different information to create a change set.",
      'NO_CHANGES',
    ],
    ['FAILED', 'No updates are to be performed.', 'NO_CHANGES'],
    ['FAILED', 'Parameters: [ClusterName] must have values', 'FAILED'],
  ])('reads %s (%s) as %s', (status, reason, state) => {
    expect(changeSetState(status, reason)).toBe(state);
  });
});

describe('failingResource', () => {
  const executedAt = '2026-12-07T10:00:00.000Z';
  const event = (at: string, logicalResourceId: string, resourceStatus: string, reason?: string): StackEvent => ({
    timestamp: new Date(at),
    logicalResourceId,
    resourceType: logicalResourceId === 'stack' ? 'AWS::CloudFormation::Stack' : 'AWS::EC2::Subnet',
    resourceStatus,
    ...(reason ? { reason } : {}),
  });

  it("names the earliest resource that failed since the execution, not an older deployment's nor the stack", () => {
    const events = [
      event('2026-12-07T10:00:05.000Z', 'stack', 'ROLLBACK_IN_PROGRESS'),
      event('2026-12-07T10:00:04.000Z', 'Cluster', 'CREATE_FAILED', 'Resource creation cancelled'),
      event('2026-12-07T10:00:03.000Z', 'Subnet', 'CREATE_FAILED', "The CIDR '192.168.0.0/24' is invalid."),
      event('2026-12-07T09:00:00.000Z', 'Vpc', 'UPDATE_FAILED', 'an older deployment'),
    ];

    expect(failingResource(events, eventsSince(executedAt))?.logicalResourceId).toBe('Subnet');
  });

  it("takes an event stamped up to a second before the step's clock as this deployment's", () => {
    const events = [event('2026-12-07T09:59:59.200Z', 'Subnet', 'CREATE_FAILED', 'invalid')];

    expect(failingResource(events, eventsSince(executedAt))?.logicalResourceId).toBe('Subnet');
    expect(failingResource(events, eventsSince('2026-12-07T10:00:01.000Z'))).toBeUndefined();
  });
});

describe('describeFailure', () => {
  it('says where the stack ended up first, then the resource and its reason', () => {
    const resource: StackEvent = {
      timestamp: new Date(),
      logicalResourceId: 'TaskRole',
      resourceType: 'AWS::IAM::Role',
      resourceStatus: 'CREATE_FAILED',
      reason: 'Role already exists',
    };

    expect(describeFailure('UPDATE_ROLLBACK_COMPLETE', 'The following resource(s) failed', resource)).toBe(
      'UPDATE_ROLLBACK_COMPLETE after resource TaskRole (AWS::IAM::Role) CREATE_FAILED: Role already exists',
    );
    expect(describeFailure('ROLLBACK_FAILED', 'Role in use')).toBe('ROLLBACK_FAILED (Role in use)');
  });
});
