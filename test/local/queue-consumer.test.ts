import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { EndpointUnreachable, EndpointWatch } from '../../local/endpoint-watch';
import { type Moto, startMoto } from '../../local/moto';
import { consumeQueue } from '../../local/queue-consumer';

// A moto of its own, so a test can stop it and start it again on the same port, as a user would.
let moto: Moto | undefined;
let sqs: SQSClient | undefined;
afterEach(async () => {
  sqs?.destroy();
  await moto?.stop();
  moto = undefined;
});

async function queueOn(endpoint: string): Promise<string> {
  sqs = new SQSClient({ endpoint, region: 'us-east-1', useQueueUrlAsEndpoint: false });
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'pushes' }));
  return QueueUrl as string;
}

/** A clock that moves only when the consumer waits, and records each wait. */
function fakeTime(onWait: (now: number) => Promise<void> = async () => {}) {
  let now = 0;
  const waits: number[] = [];
  return {
    now: () => now,
    waits,
    wait: async (ms: number) => {
      waits.push(ms);
      now += ms;
      await onWait(now);
    },
  };
}

describe('queue consumer when the AWS endpoint goes away', () => {
  it('says once that calls to the endpoint fail, backs off up to 30 s, and gives up after 5 minutes', async () => {
    moto = await startMoto();
    const endpoint = moto.endpoint;
    const queueUrl = await queueOn(endpoint);
    const handled: string[] = [];
    const lines: string[] = [];
    const errors: Error[] = [];
    const time = fakeTime();
    const watch = new EndpointWatch({ endpoint, out: (line) => lines.push(line), now: time.now });
    await sqs?.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'before' }));

    const consumer = consumeQueue(
      queueUrl,
      async (body) => {
        handled.push(body);
        await moto?.stop();
      },
      (error) => errors.push(error),
      { watch, sqs: sqs as SQSClient, wait: time.wait },
    );
    const gaveUp = await watch.gaveUp;
    await consumer.stop();

    expect(handled).toEqual(['before']);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^crossdeploy local: calls to the AWS endpoint ${endpoint} fail \\(.*ECONNREFUSED.*\\); `),
    );
    expect(lines[0]).toMatch(/retrying with backoff, giving up after 5m$/);
    expect(time.waits).toEqual([1000, 1000, 2000, 4000, 8000, 16000, ...Array(8).fill(30000), 28000]);
    expect(gaveUp).toBeInstanceOf(EndpointUnreachable);
    expect(gaveUp.message).toMatch(
      new RegExp(`^calls to the AWS endpoint ${endpoint} have failed for 5m: .*ECONNREFUSED`),
    );
    // The receive failures are the watch's to report; the message handler's failure (DeleteMessage on a
    // stopped moto) is the consumer's.
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/ECONNREFUSED/)]);
  });

  it('says when the endpoint answers again and keeps consuming', async () => {
    moto = await startMoto();
    const port = Number(new URL(moto.endpoint).port);
    const queueUrl = await queueOn(moto.endpoint);
    const lines: string[] = [];
    const handled: string[] = [];
    let restarted = false;
    const time = fakeTime(async (now) => {
      if (now < 10_000 || restarted) return;
      restarted = true;
      moto = await startMoto({ port });
      await queueOn(moto.endpoint);
      await sqs?.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'after' }));
    });
    const watch = new EndpointWatch({ endpoint: moto.endpoint, out: (line) => lines.push(line), now: time.now });
    await moto.stop();

    const consumer = consumeQueue(
      queueUrl,
      async (body) => void handled.push(body),
      () => {},
      {
        watch,
        sqs: sqs as SQSClient,
        wait: time.wait,
      },
    );
    await consumer.drain();
    await consumer.stop();

    expect(handled).toEqual(['after']);
    expect(lines).toEqual([
      expect.stringMatching(/fail \(/),
      `crossdeploy local: the AWS endpoint ${moto.endpoint} answers again (down for 16s)`,
    ]);
    expect(time.waits).toEqual([1000, 1000, 2000, 4000, 8000]);
  });
});

describe('endpoint watch', () => {
  it('gives up after the time it is given, and says nothing more once it has', async () => {
    let now = 0;
    const lines: string[] = [];
    const watch = new EndpointWatch({
      endpoint: 'http://127.0.0.1:1',
      out: (line) => lines.push(line),
      now: () => now,
      giveUpAfterMs: 3_000,
    });

    const delays = [watch.failed(new Error('down'))];
    now = 2_000;
    delays.push(watch.failed(new Error('down')));
    now = 3_000;
    delays.push(watch.failed(new Error('down')));
    watch.answered();

    expect(delays).toEqual([1000, 1000, undefined]);
    expect((await watch.gaveUp).message).toBe(
      'calls to the AWS endpoint http://127.0.0.1:1 have failed for 3s: down. Check that it runs (moto_server), then restart crossdeploy local, which creates its queues again.',
    );
    expect(lines).toEqual([
      'crossdeploy local: calls to the AWS endpoint http://127.0.0.1:1 fail (down); retrying with backoff, giving up after 3s',
    ]);
  });
});
