import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvalidToken } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  everyPendingToken,
  type ParkedToken,
  parkToken,
  pendingTokens,
  readToken,
  sendFailure,
  sendSuccess,
  type TokenTable,
  takeToken,
} from '../../aws/task-tokens';
import { stepFunctionsRecorder } from '../support/browser';
import { useMoto } from '../support/moto';
import { ORCHESTRATOR } from '../support/workflows';

useMoto();

// Another kind of wait than an approval, keyed its own way: a rollout waits per deployment, by service.
const ROLLOUTS: TokenTable = {
  name: 'rollout-waits',
  key: 'deploymentId',
  bySubject: { index: 'byService', attribute: 'service' },
};

interface RolloutWait extends ParkedToken {
  deploymentId: string;
  service: string;
  outcome?: string;
}

const wait = (deploymentId: string, service = 'web'): RolloutWait => ({
  deploymentId,
  service,
  taskToken: `token-of-${deploymentId}`,
  status: 'pending',
});

let ddb: DynamoDBClient;
let db: DynamoDBDocumentClient;

beforeEach(async () => {
  ddb = new DynamoDBClient({ region: ORCHESTRATOR.region });
  db = DynamoDBDocumentClient.from(ddb);
  await ddb.send(
    new CreateTableCommand({
      TableName: ROLLOUTS.name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'deploymentId', AttributeType: 'S' },
        { AttributeName: 'service', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'deploymentId', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byService',
          KeySchema: [{ AttributeName: 'service', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
});
afterEach(() => {
  db.destroy();
  ddb.destroy();
});

describe('task tokens (aws/task-tokens.ts), in a table keyed its own way', () => {
  it('parks a wait once: a second wait under the same key is refused, the first stays', async () => {
    await parkToken(db, ROLLOUTS, wait('d-1'));

    await expect(parkToken(db, ROLLOUTS, { ...wait('d-1'), taskToken: 'another' })).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
    });
    expect(await readToken(db, ROLLOUTS, 'd-1')).toEqual(wait('d-1'));
  });

  it('finds the pending waits of one subject, and of every subject', async () => {
    for (const w of [wait('d-1'), wait('d-2'), wait('d-3', 'api')]) await parkToken(db, ROLLOUTS, w);
    await takeToken(db, ROLLOUTS, { deploymentId: 'd-2' }, 'settled', {});

    const ofWeb = await pendingTokens<RolloutWait>(db, ROLLOUTS, 'web');
    const ofAll = await everyPendingToken<RolloutWait>(db, ROLLOUTS);

    expect(ofWeb.map((w) => w.deploymentId)).toEqual(['d-1']);
    expect(ofAll.map((w) => w.deploymentId).sort()).toEqual(['d-1', 'd-3']);
  });

  it('lets exactly one taker take a wait, with the facts it sets', async () => {
    await parkToken(db, ROLLOUTS, wait('d-1'));

    const first = await takeToken(db, ROLLOUTS, { deploymentId: 'd-1' }, 'settled', { outcome: 'COMPLETED' });
    const second = await takeToken(db, ROLLOUTS, { deploymentId: 'd-1' }, 'superseded', { outcome: 'superseded' });

    expect([first, second]).toEqual([true, false]);
    expect(await readToken(db, ROLLOUTS, 'd-1')).toEqual({ ...wait('d-1'), status: 'settled', outcome: 'COMPLETED' });
  });

  it('reads nothing under a key no wait has', async () => {
    expect(await readToken(db, ROLLOUTS, 'no-such-deployment')).toBeUndefined();
  });
});

describe('handing a token back (sendSuccess, sendFailure)', () => {
  it('sends the output as JSON, and the failure with its cause cut to what Step Functions takes', async () => {
    const recorder = stepFunctionsRecorder();

    const told = [
      await sendSuccess(recorder.sfn, 't-1', { state: 'COMPLETED' }),
      await sendFailure(recorder.sfn, 't-2', 'RolloutFailed', 'x'.repeat(40_000)),
    ];

    expect(told).toEqual([{ delivered: true }, { delivered: true }]);
    expect(recorder.sent).toEqual([
      { command: 'SendTaskSuccess', input: { taskToken: 't-1', output: '{"state":"COMPLETED"}' } },
      { command: 'SendTaskFailure', input: { taskToken: 't-2', error: 'RolloutFailed', cause: 'x'.repeat(32_768) } },
    ]);
  });

  it('answers that the execution no longer waits instead of throwing, for a gone token', async () => {
    const invalid = new InvalidToken({ message: 'Invalid Token', $metadata: {} });
    const gone = stepFunctionsRecorder(() => invalid);

    expect(await sendSuccess(gone.sfn, 't-1', {})).toEqual({ delivered: false, gone: invalid });
    expect(await sendFailure(gone.sfn, 't-1', 'RolloutFailed', 'why')).toEqual({ delivered: false, gone: invalid });
  });

  it('fails with TransientAwsError when Step Functions throttles, and with the error itself otherwise', async () => {
    const throttled = stepFunctionsRecorder(() =>
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }),
    );
    const refused = stepFunctionsRecorder(() => Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

    await expect(sendSuccess(throttled.sfn, 't-1', {})).rejects.toMatchObject({ name: 'TransientAwsError' });
    await expect(sendFailure(refused.sfn, 't-1', 'E', 'why')).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});
