// The local engine runs a DISTRIBUTED Map as AWS does: items read from S3, one child execution per item with its
// own history, MaxConcurrency and the tolerated failures honoured, results written to S3, not kept in the state.
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { awsHistory } from '../../local/sfn-history';
import { LocalStepFunctions } from '../../local/step-functions';
import { useMoto } from '../support/moto';

useMoto();
const BUCKET = 'map-items';
let engine: LocalStepFunctions;
let s3: S3Client;
let inFlight = 0;
let mostAtOnce = 0;
let failing = new Set<number>();

beforeAll(() => {
  engine = new LocalStepFunctions({
    definitions: new URL('../fixtures/asl/', import.meta.url),
    functions: {
      WideWorkFunctionArn: async (event) => {
        const { item } = event as { item: number };
        inFlight++;
        mostAtOnce = Math.max(mostAtOnce, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        if (failing.has(item)) throw Object.assign(new Error(`item ${item} failed`), { name: 'ItemFailed' });
        return { done: item };
      },
    },
    account: '111111111111',
    region: 'us-east-1',
  });
});

beforeEach(async () => {
  s3 = new S3Client({ region: 'us-east-1' });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  inFlight = 0;
  mostAtOnce = 0;
  failing = new Set();
});

async function items(count: number): Promise<string> {
  const key = `items-${count}.json`;
  const body = JSON.stringify(Array.from({ length: count }, (_, i) => i));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  return key;
}

async function readJson(key: string): Promise<unknown> {
  const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return JSON.parse((await object.Body?.transformToString()) ?? '');
}

const run = (key: string, maxConcurrency: number, tolerated = 0) =>
  engine.run('distributed-map', { bucket: BUCKET, key, maxConcurrency, tolerated, run: 'r1' });

describe('local Distributed Map', () => {
  it('runs each item of an S3 object as a child execution of its own, at most MaxConcurrency at a time', async () => {
    const execution = await run(await items(120), 50);

    expect(execution.status).toBe('SUCCEEDED');
    const children = engine.executions().filter((e) => e.parentArn === execution.executionArn);
    expect(children).toHaveLength(120);
    expect(new Set(children.map((c) => c.stateMachine))).toEqual(new Set(['distributed-map/work-on-every-item']));
    expect(children.find((c) => (c.input as { index: number }).index === 7)?.input).toEqual({
      item: 7,
      index: 7,
      run: 'r1',
    });
    expect(mostAtOnce).toBe(50);
  });

  it('writes the results to S3 as ResultWriter does and keeps only their place in the state', async () => {
    const execution = await run(await items(30), 10);

    const { results } = execution.output as { results: { MapRunArn: string; ResultWriterDetails: { Key: string } } };
    expect(results.MapRunArn).toMatch(/^arn:aws:states:us-east-1:111111111111:mapRun:/);
    const manifest = (await readJson(results.ResultWriterDetails.Key)) as {
      ResultFiles: { SUCCEEDED: { Key: string }[]; FAILED: unknown[] };
    };
    expect(manifest.ResultFiles.FAILED).toEqual([]);
    const [file] = manifest.ResultFiles.SUCCEEDED;
    const succeeded = (await readJson(file?.Key ?? '')) as { Status: string; Output: string; Input: string }[];
    expect(succeeded).toHaveLength(30);
    expect(succeeded.every((r) => r.Status === 'SUCCEEDED')).toBe(true);
    expect(succeeded.map((r) => JSON.parse(r.Output).done).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 30 }, (_, i) => i),
    );
  });

  it('keeps each child history apart, so the parent history does not grow with the items', async () => {
    const execution = await run(await items(300), 100);

    expect(awsHistory(engine, execution).length).toBeLessThan(20);
  });

  it('succeeds with failed children up to the tolerated count, and lists them in the FAILED file', async () => {
    failing = new Set([3, 9]);
    const execution = await run(await items(20), 5, 2);

    expect(execution.status).toBe('SUCCEEDED');
    const { results } = execution.output as { results: { ResultWriterDetails: { Key: string } } };
    const manifest = (await readJson(results.ResultWriterDetails.Key)) as {
      ResultFiles: { FAILED: { Key: string }[] };
    };
    const failed = (await readJson(manifest.ResultFiles.FAILED[0]?.Key ?? '')) as { Error: string; Input: string }[];
    expect(failed.map((r) => [r.Error, JSON.parse(r.Input).item]).sort()).toEqual([
      ['ItemFailed', 3],
      ['ItemFailed', 9],
    ]);
  });

  it('fails with States.ExceedToleratedFailureThreshold past the tolerated count and starts no more children', async () => {
    failing = new Set([0, 1, 2]);
    const execution = await run(await items(100), 3, 2);

    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as { failure: { Error: string } }).failure.Error).toBe(
      'States.ExceedToleratedFailureThreshold',
    );
    const children = engine.executions().filter((e) => e.parentArn === execution.executionArn);
    expect(children.length).toBeLessThan(100);
  });

  it('fails with States.ItemReaderFailed when the items object is missing', async () => {
    const execution = await run('no-such-object.json', 5);

    expect((execution.output as { failure: { Error: string; Cause: string } }).failure).toMatchObject({
      Error: 'States.ItemReaderFailed',
      Cause: expect.stringContaining('s3://map-items/no-such-object.json'),
    });
  });

  it('refuses a MaxConcurrency over the 10,000 children AWS runs at once', async () => {
    const execution = await run(await items(3), 10_001);

    expect((execution.output as { failure: { Error: string } }).failure.Error).toBe('States.Runtime');
  });
});
