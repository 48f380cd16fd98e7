import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DETAIL_TYPE, EVENT_SOURCE, type PushEvent } from '../core/pipeline-types';

/**
 * Puts a push on crossdeploy's bus. PutEvents can refuse an entry without throwing, so both ways of failing
 * come back as one reason; undefined means the bus took the event.
 */
export async function publishPush(
  events: Pick<EventBridgeClient, 'send'>,
  bus: string,
  push: PushEvent,
): Promise<string | undefined> {
  try {
    const answer = await events.send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: bus, Source: EVENT_SOURCE, DetailType: DETAIL_TYPE.push, Detail: JSON.stringify(push) },
        ],
      }),
    );
    if ((answer.FailedEntryCount ?? 0) === 0) return undefined;
    const entry = answer.Entries?.[0];
    return `${entry?.ErrorCode ?? 'FailedEntry'}: ${entry?.ErrorMessage ?? 'no message'}`;
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}
