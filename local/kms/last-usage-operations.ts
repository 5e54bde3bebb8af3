import { z } from 'zod';
import { epochSeconds } from '../http/aws-json-values';
import type { KmsContext } from './context';
import { keyIdentifier, parseRequest } from './requests';

/**
 * GetKeyLastUsage: the key's last successful cryptographic use (see key-usage.ts), or an empty
 * KeyLastUsage when it has none. KeyId is a key id or key ARN (aliases are refused, as by the
 * other operations that do not take them: NotFoundException "Invalid keyId"); the key may be in
 * any state. The local KMS tracks every key from its creation, so TrackingStartDate is the key's
 * CreationDate (AWS: the later of creation and the day tracking began).
 */

const lastUsageRequest = z.object({ KeyId: keyIdentifier });

export function getKeyLastUsage(body: unknown, { state }: KmsContext): object {
  const key = state.find(parseRequest(lastUsageRequest, body).KeyId, { allowAlias: false });
  const use = key.lastUsage;
  return {
    KeyId: key.keyId,
    KeyLastUsage:
      use === undefined
        ? {}
        : {
            Operation: use.operation,
            Timestamp: epochSeconds(use.at),
            CloudTrailEventId: use.cloudTrailEventId,
            KmsRequestId: use.kmsRequestId,
          },
    TrackingStartDate: epochSeconds(key.createdAt),
    KeyCreationDate: epochSeconds(key.createdAt),
  };
}
