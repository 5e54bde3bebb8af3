import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { PutEvents } from './audit';

/** PutEvents through an EventBridge client (endpoint from the environment: AWS_ENDPOINT_URL_EVENTBRIDGE locally). */
export function eventBridgePutEvents(client: EventBridgeClient = new EventBridgeClient({})): PutEvents {
  return async (entries) => (await client.send(new PutEventsCommand({ Entries: entries }))).Entries ?? [];
}
