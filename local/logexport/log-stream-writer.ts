import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  type CloudWatchLogsClient,
} from '@aws-sdk/client-cloudwatch-logs';
import { batchLogEvents, type LogEvent } from './log-event-batches';

/**
 * Puts log events into one log stream, creating the log group and the stream the first time
 * PutLogEvents says one is missing (as the RDS export creates its groups). Events are put in
 * batches within PutLogEvents' limits, oldest first; events PutLogEvents rejects for their time
 * (more than 14 days old or 2 hours ahead) are counted, not retried.
 */
export interface LogStreamWriter {
  write(events: readonly LogEvent[]): Promise<void>;
  /** Events PutLogEvents accepted the request for but rejected for their timestamp. */
  readonly rejectedEvents: number;
}

const errorName = (error: unknown): string | undefined => (error as { name?: string } | undefined)?.name;

async function ignoringExisting(create: Promise<unknown>): Promise<void> {
  try {
    await create;
  } catch (error) {
    if (errorName(error) !== 'ResourceAlreadyExistsException') throw error;
  }
}

export function logStreamWriter(
  client: CloudWatchLogsClient,
  logGroupName: string,
  logStreamName: string,
): LogStreamWriter {
  let rejectedEvents = 0;
  const createDestination = async () => {
    await ignoringExisting(client.send(new CreateLogGroupCommand({ logGroupName })));
    await ignoringExisting(client.send(new CreateLogStreamCommand({ logGroupName, logStreamName })));
  };
  const put = async (logEvents: LogEvent[]) => {
    const out = await client.send(new PutLogEventsCommand({ logGroupName, logStreamName, logEvents }));
    const rejected = out.rejectedLogEventsInfo;
    if (rejected) {
      const tooOld = Math.max(rejected.tooOldLogEventEndIndex ?? 0, rejected.expiredLogEventEndIndex ?? 0);
      const tooNew =
        rejected.tooNewLogEventStartIndex === undefined ? 0 : logEvents.length - rejected.tooNewLogEventStartIndex;
      rejectedEvents += tooOld + tooNew;
    }
  };
  return {
    get rejectedEvents() {
      return rejectedEvents;
    },
    async write(events) {
      for (const batch of batchLogEvents(events)) {
        try {
          await put(batch);
        } catch (error) {
          if (errorName(error) !== 'ResourceNotFoundException') throw error;
          await createDestination();
          await put(batch);
        }
      }
    },
  };
}
