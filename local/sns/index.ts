/** The local SNS: topics and Publish, recorded for tests to read. */
export { startLocalSns, LocalSns, type LocalSnsOptions } from './local-sns';
export type { PublishedMessage, MessageAttribute } from './state';
export type { SnsFaultControl, PendingSnsFault } from './faults';
export { MAX_MESSAGE_BYTES } from './publish';
