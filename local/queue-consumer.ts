import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { lambdaContext } from './step-functions';

export type MessageHandler = (body: string) => Promise<unknown>;

/**
 * Reads one queue and hands each message to a handler, as the EventBridge rule's Lambda target would be
 * invoked in AWS (moto cannot deliver to Lambda). A message whose handler fails stays on the queue and
 * comes back after its visibility timeout, like a failed asynchronous invocation is retried.
 */
export function consumeQueue(
  queueUrl: string,
  handle: MessageHandler,
  onError: (error: Error) => void,
): { stop(): Promise<void>; drain(): Promise<void> } {
  const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
  let running = true;
  let idle: (() => void)[] = [];
  const loop = (async () => {
    while (running) {
      const { Messages = [] } = await sqs
        .send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            VisibilityTimeout: 30,
          }),
        )
        .catch((error: Error) => {
          if (running) onError(error);
          return { Messages: [] };
        });
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
      running = false;
      await loop;
      sqs.destroy();
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
