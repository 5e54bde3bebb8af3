import { compact, epochSeconds } from '../http/aws-json-values';
import type { EventBus } from './state';

/** Response shapes with the API reference's field names; dates as epoch seconds, unset fields left out. */

export function createEventBusResponse(bus: EventBus) {
  return compact({
    EventBusArn: bus.arn,
    Description: bus.description,
    KmsKeyIdentifier: bus.kmsKeyIdentifier,
    DeadLetterConfig: bus.deadLetterConfig,
    LogConfig: bus.logConfig,
  });
}

export function describeEventBusResponse(bus: EventBus) {
  return compact({
    Name: bus.name,
    Arn: bus.arn,
    Description: bus.description,
    KmsKeyIdentifier: bus.kmsKeyIdentifier,
    DeadLetterConfig: bus.deadLetterConfig,
    LogConfig: bus.logConfig,
    CreationTime: epochSeconds(bus.createdAt),
    LastModifiedTime: epochSeconds(bus.lastModifiedAt),
  });
}

export function eventBusListEntry(bus: EventBus) {
  return compact({
    Name: bus.name,
    Arn: bus.arn,
    Description: bus.description,
    CreationTime: epochSeconds(bus.createdAt),
    LastModifiedTime: epochSeconds(bus.lastModifiedAt),
  });
}
