import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { acquireLease, defaultDocumentClient, type HolderRunning, LeaseHeld, releaseLease } from '../../aws/lease';
import { leasesTable } from '../../aws/tables';
import { useMoto } from '../support/moto';

useMoto();

const TABLE = 'crossdeploy-leases';
const LEASE = 'web#prod';
const MONDAY = new Date('2026-11-02T10:00:00.000Z');
// A week later: no time to live frees a lease whose pipeline still runs.
const NEXT_MONDAY = new Date('2026-11-09T10:00:00.000Z');
const db = defaultDocumentClient('us-east-1');
const holderOf = async () =>
  (await db.send(new GetCommand({ TableName: TABLE, Key: { lease: LEASE }, ConsistentRead: true }))).Item?.holder;
const running: HolderRunning = async () => true;
const ended: HolderRunning = async () => false;

beforeEach(async () => {
  const dynamo = new DynamoDBClient({ region: 'us-east-1' });
  await dynamo.send(new CreateTableCommand(leasesTable(TABLE)));
  dynamo.destroy();
});

describe('acquireLease: one deployment at a time per service × environment, for as long as it runs', () => {
  it('takes a free lease, and lets its holder take it again', async () => {
    expect(await acquireLease(TABLE, { lease: LEASE, holder: 'p1' }, db, MONDAY, running)).toEqual({
      tookOverFrom: null,
    });
    expect(await acquireLease(TABLE, { lease: LEASE, holder: 'p1' }, db, MONDAY, running)).toEqual({
      tookOverFrom: null,
    });
    expect(await holderOf()).toBe('p1');
  });

  it('refuses another deployment while the holder runs, however long ago it took the lease', async () => {
    await acquireLease(TABLE, { lease: LEASE, holder: 'p1' }, db, MONDAY, running);

    const taking = acquireLease(TABLE, { lease: LEASE, holder: 'p2' }, db, NEXT_MONDAY, running);

    await expect(taking).rejects.toThrow(LeaseHeld);
    await expect(taking).rejects.toThrow(
      `${LEASE} is held by p1 since ${MONDAY.toISOString()}, which is still running`,
    );
    expect(await holderOf()).toBe('p1');
  });

  it('takes over the lease of a holder that ended without giving it back, and says whose it was', async () => {
    await acquireLease(TABLE, { lease: LEASE, holder: 'p1' }, db, MONDAY, running);
    const asked: string[] = [];

    const taken = await acquireLease(TABLE, { lease: LEASE, holder: 'p2' }, db, MONDAY, async (holder) => {
      asked.push(holder);
      return false;
    });

    expect(taken).toEqual({ tookOverFrom: 'p1' });
    expect(asked).toEqual(['p1']);
    expect(await holderOf()).toBe('p2');
    // The ended holder's own release, late, leaves the new holder's lease alone.
    expect(await releaseLease(TABLE, LEASE, 'p1', db)).toBe(false);
    expect(await holderOf()).toBe('p2');
  });

  it('lets only one of two deployments take over the same stale lease', async () => {
    await acquireLease(TABLE, { lease: LEASE, holder: 'p1' }, db, MONDAY, running);

    // p3 takes it over while p2 is still finding out that p1 ended.
    const p2 = acquireLease(TABLE, { lease: LEASE, holder: 'p2' }, db, MONDAY, async () => {
      await acquireLease(TABLE, { lease: LEASE, holder: 'p3' }, db, MONDAY, ended);
      return false;
    });

    await expect(p2).rejects.toThrow(`${LEASE} was taken over from p1, which had ended, by another deployment`);
    expect(await holderOf()).toBe('p3');
  });
});
