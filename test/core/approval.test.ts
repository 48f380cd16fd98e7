import { describe, expect, it } from 'vitest';
import {
  type ApprovalFacts,
  isOlder,
  matches,
  rejectionCause,
  supersessionCause,
  toSupersede,
} from '../../core/approval';
import type { ApprovalDecision } from '../../core/pipeline-types';

const MINE: ApprovalFacts = {
  approvalId: 'm',
  createdAt: '2030-01-02T03:05:00.000Z',
  taskToken: 'token-of-mine',
  status: 'pending',
};

const approval = (approvalId: string, createdAt: string, taskToken = `token-of-${approvalId}`): ApprovalFacts => ({
  approvalId,
  createdAt,
  taskToken,
  status: 'pending',
});

describe('isOlder', () => {
  it.each([
    { case: 'created earlier', approvalId: 'z', createdAt: '2030-01-02T03:04:00.000Z', older: true },
    { case: 'created later', approvalId: 'a', createdAt: '2030-01-02T03:06:00.000Z', older: false },
    { case: 'created at the same moment, smaller id', approvalId: 'a', createdAt: MINE.createdAt, older: true },
    { case: 'created at the same moment, larger id', approvalId: 'z', createdAt: MINE.createdAt, older: false },
    { case: 'the same approval', approvalId: 'm', createdAt: MINE.createdAt, older: false },
  ])('$case: $older', ({ approvalId, createdAt, older }) => {
    expect(isOlder({ approvalId, createdAt }, MINE)).toBe(older);
  });

  it('never holds both ways, so two approvals never supersede each other', () => {
    const twin = approval('n', MINE.createdAt);
    expect([isOlder(twin, MINE), isOlder(MINE, twin)]).toEqual([false, true]);
  });
});

describe('toSupersede', () => {
  it.each([
    { case: 'nothing else pending', pending: [MINE], expected: [] },
    {
      case: 'an older approval of another pipeline: superseded, its task failed',
      pending: [approval('a', '2030-01-02T03:04:00.000Z'), MINE],
      expected: [{ id: 'a', failTask: true }],
    },
    {
      case: 'a newer approval: left alone (it supersedes this one)',
      pending: [MINE, approval('b', '2030-01-02T03:06:00.000Z')],
      expected: [],
    },
    {
      case: "an earlier attempt of this very task (mine's token): retired, its task not failed",
      pending: [approval('a', '2030-01-02T03:04:55.000Z', MINE.taskToken), MINE],
      expected: [{ id: 'a', failTask: false }],
    },
    {
      case: 'several older ones: each, in the order found',
      pending: [approval('c', '2030-01-02T03:01:00.000Z'), approval('a', '2030-01-02T03:02:00.000Z'), MINE],
      expected: [
        { id: 'c', failTask: true },
        { id: 'a', failTask: true },
      ],
    },
  ])('$case', ({ pending, expected }) => {
    const superseded = toSupersede(MINE, pending).map((s) => ({ id: s.approval.approvalId, failTask: s.failTask }));
    expect(superseded).toEqual(expected);
  });
});

describe('matches', () => {
  const decision: ApprovalDecision = {
    approvalId: 'm',
    decision: 'approve',
    approver: 'ada@example.com',
    comment: 'ship it',
    decidedAt: '2030-01-02T03:06:00.000Z',
  };
  const recorded: ApprovalFacts = {
    ...MINE,
    status: 'approved',
    decidedBy: 'ada@example.com',
    comment: 'ship it',
    decidedAt: '2030-01-02T03:06:00.000Z',
  };

  it.each<{ case: string; record: ApprovalFacts; event?: Partial<ApprovalDecision>; holds: boolean }>([
    { case: 'the decision the table recorded', record: recorded, holds: true },
    { case: 'still pending', record: MINE, holds: false },
    { case: 'superseded', record: { ...recorded, status: 'superseded' }, holds: false },
    { case: 'another decision', record: recorded, event: { decision: 'reject' }, holds: false },
    { case: 'another approver', record: recorded, event: { approver: 'mallory@example.com' }, holds: false },
    { case: 'another comment', record: recorded, event: { comment: 'ship it now' }, holds: false },
    { case: 'another moment', record: recorded, event: { decidedAt: '2030-01-02T03:07:00.000Z' }, holds: false },
    {
      case: 'a rejection without a comment, recorded without one',
      record: { ...recorded, status: 'rejected', comment: undefined },
      event: { decision: 'reject', comment: '' },
      holds: true,
    },
  ])('$case: $holds', ({ record, event, holds }) => {
    expect(matches(record, { ...decision, ...event })).toBe(holds);
  });
});

describe('the causes a waiting workflow fails with', () => {
  it.each([
    { comment: 'not during the sale', cause: 'rejected by Grace Hopper: not during the sale' },
    { comment: '', cause: 'rejected by Grace Hopper' },
  ])('rejection with comment "$comment": $cause', ({ comment, cause }) => {
    const decision: ApprovalDecision = {
      approvalId: 'm',
      decision: 'reject',
      approver: 'Grace Hopper',
      comment,
      decidedAt: '2030-01-02T03:06:00.000Z',
    };
    expect(rejectionCause(decision)).toBe(cause);
  });

  it('supersession names the newer commit, short, and its pipeline', () => {
    expect(supersessionCause({ commit: '9c0ffee'.padEnd(40, '1'), pipelineId: 'web-9c0ffee' })).toBe(
      'superseded by 9c0ffee (web-9c0ffee)',
    );
  });
});
