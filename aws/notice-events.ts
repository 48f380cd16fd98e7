import { PutEventsCommand, type PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import { TransientAwsError } from '../core/errors';
import { type DeploymentNotice, NOTICE_DETAIL_TYPE, type NoticeDetailType } from '../core/notice';
import { EVENT_SOURCE } from '../core/pipeline-types';
import { awsCall } from './transient';

/** EventBridge as far as putting a notice goes; EventBridgeClient is one. */
export interface EventsLike {
  send(command: PutEventsCommand): Promise<Pick<PutEventsCommandOutput, 'FailedEntryCount' | 'Entries'>>;
}

/**
 * Puts a notice on crossdeploy's bus under its detail-type. PutEvents can refuse an entry without throwing;
 * a refused entry (throttled, bus briefly unavailable) is worth retrying like any other transient answer.
 */
export async function putNotice(
  events: EventsLike,
  bus: string,
  notice: DeploymentNotice,
): Promise<{ detailType: NoticeDetailType; eventId: string }> {
  const detailType = NOTICE_DETAIL_TYPE[notice.event];
  const what = `events:PutEvents ${bus} (${detailType})`;
  const answer = await awsCall(what, () =>
    events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: bus,
            Source: EVENT_SOURCE,
            DetailType: detailType,
            Detail: JSON.stringify(notice),
            Resources: [notice.executionArn],
          },
        ],
      }),
    ),
  );
  const entry = answer.Entries?.[0];
  if ((answer.FailedEntryCount ?? 0) > 0 || !entry?.EventId) {
    throw new TransientAwsError(
      `${what}: entry refused: ${entry?.ErrorCode ?? 'FailedEntry'}: ${entry?.ErrorMessage ?? 'no message'}`,
    );
  }
  return { detailType, eventId: entry.EventId };
}
