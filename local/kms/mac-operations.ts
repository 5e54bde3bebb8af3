import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { KmsContext } from './context';
import { invalidKeyUsage, invalidMac } from './errors';
import { algorithmsOf, KEY_SPEC_PROFILES } from './key-specs';
import { assertUsableForCrypto } from './key-states';
import type { KmsKey } from './keys';
import { decodeBlob, grantTokens, keyIdentifier, parseRequest } from './requests';

/**
 * GenerateMac and VerifyMac: real HMAC (RFC 2104) with the hash of the key's spec; the MAC
 * algorithm must be the key's own. A MAC that does not verify is KMSInvalidMacException.
 */

const MAX_MESSAGE_BYTES = 4096;
const MAX_MAC_BYTES = 6144;

const macRequest = z.object({
  Message: z.string(),
  KeyId: keyIdentifier,
  MacAlgorithm: z.string(),
  GrantTokens: grantTokens,
  DryRun: z.boolean().optional(),
});
const verifyRequest = macRequest.extend({ Mac: z.string() });

function computeMac(context: KmsContext, request: z.infer<typeof macRequest>): { key: KmsKey; mac: Buffer } {
  const key = context.state.find(request.KeyId, { allowAlias: true });
  const message = decodeBlob(request.Message, 'message', 1, MAX_MESSAGE_BYTES);
  assertUsableForCrypto(key);
  const supported = algorithmsOf(key.spec, key.usage).MacAlgorithms ?? [];
  if (key.usage !== 'GENERATE_VERIFY_MAC' || !supported.includes(request.MacAlgorithm) || !key.hmacSecret) {
    throw invalidKeyUsage(`The MAC algorithm ${request.MacAlgorithm} is not valid for ${key.arn}.`);
  }
  const hash = KEY_SPEC_PROFILES[key.spec].hmacHash ?? 'sha256';
  return { key, mac: createHmac(hash, key.hmacSecret).update(message).digest() };
}

export function generateMac(body: unknown, context: KmsContext): object {
  const request = parseRequest(macRequest, body);
  const { key, mac } = computeMac(context, request);
  return { Mac: mac.toString('base64'), MacAlgorithm: request.MacAlgorithm, KeyId: key.arn };
}

export function verifyMac(body: unknown, context: KmsContext): object {
  const request = parseRequest(verifyRequest, body);
  const { key, mac } = computeMac(context, request);
  const given = decodeBlob(request.Mac, 'mac', 1, MAX_MAC_BYTES);
  if (given.length !== mac.length || !timingSafeEqual(given, mac)) throw invalidMac();
  return { KeyId: key.arn, MacValid: true, MacAlgorithm: request.MacAlgorithm };
}
