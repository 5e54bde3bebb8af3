import { lookupEvents, type LookupEventsContext } from './lookup-events';

/** The CloudTrail operations the local CloudTrail serves: event history lookups only. */

export const CLOUDTRAIL_OPERATION_NAMES = ['LookupEvents'] as const;
export type CloudTrailOperationName = (typeof CLOUDTRAIL_OPERATION_NAMES)[number];

export type CloudTrailOperationHandler = (body: unknown) => object;

export function isCloudTrailOperationName(name: string): name is CloudTrailOperationName {
  return (CLOUDTRAIL_OPERATION_NAMES as readonly string[]).includes(name);
}

export function createOperationHandlers(
  context: LookupEventsContext,
): Record<CloudTrailOperationName, CloudTrailOperationHandler> {
  return { LookupEvents: (body) => lookupEvents(body, context) };
}
