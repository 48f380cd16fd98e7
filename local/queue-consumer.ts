import { DeleteMessageCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { abortableWait, type EndpointWatch } from './endpoint-watch';
import { lambdaContext } from './lambda-context';

export type MessageHandler = (body: string) => Promise<unknown>;

export interface ConsumerOptions {
  /** Says when the endpoint stops and starts answering, paces the retries, and gives up after a while. */
  watch: EndpointWatch;
  /** The queue's client; one from the environment by default. */
  sqs?: SQSClient;
  /** Waits between failed receives; a real timer by default. */
  wait?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * Reads one queue and hands each message to a handler, as the EventBridge rule's Lambda target would be
 * invoked in AWS (moto cannot deliver to Lambda). A message whose handler fails stays on the queue and
 * comes back after its visibility timeout, like a failed asynchronous invocation is retried. A receive that
 * fails is retried after the watch's backoff, and the consumer ends when the watch gives up.
 */
export function consumeQueue(
  queueUrl: string,
  handle: MessageHandler,
  onError: (error: Error) => void,
  options: ConsumerOptions,
): { stop(): Promise<void>; drain(): Promise<void> } {
  const { watch, wait = abortableWait } = options;
  const sqs = options.sqs ?? new SQSClient({ useQueueUrlAsEndpoint: false });
  const stopping = new AbortController();
  let idle: (() => void)[] = [];
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      let Messages: Message[];
      try {
        ({ Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            VisibilityTimeout: 30,
          }),
          // A stop need not wait out the long poll.
          { abortSignal: stopping.signal },
        ));
        watch.answered();
      } catch (error) {
        if (stopping.signal.aborted) break;
        const retryInMs = watch.failed(error);
        if (retryInMs === undefined) break;
        await wait(retryInMs, stopping.signal);
        continue;
      }
      if (Messages.length === 0) {
        for (const resolve of idle) resolve();
        idle = [];
      }
      await Promise.all(
        Messages.map(async (message) => {
          try {
            await handle(message.Body ?? '');
            await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
          } catch (error) {
            onError(error as Error);
          }
        }),
      );
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await loop;
      if (!options.sqs) sqs.destroy();
    },
    /** Resolves once the queue has been found empty. */
    drain: () => new Promise<void>((resolve) => idle.push(resolve)),
  };
}

/** Invokes a Lambda handler in-process with the event the rule would have delivered. */
export function asRuleTarget(
  handler: (event: never, context: never) => Promise<unknown>,
  functionName: string,
): MessageHandler {
  return (body) =>
    handler(
      JSON.parse(body) as never,
      lambdaContext(`arn:aws:lambda:local:000000000000:function:${functionName}`) as never,
    );
}
