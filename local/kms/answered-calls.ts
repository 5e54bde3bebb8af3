import type { KmsOperationName } from './operations';

/**
 * Calls the local KMS answered, accepted or refused, told to whoever listens (the local CloudTrail
 * records them as event history). Only what an audit log may show: the operation, the keys it
 * named (ARNs), when, the exception a refused call got, who signed (the access key id of the SigV4
 * scope), from where and with which user agent. Never a plaintext, a ciphertext, a data key, a
 * signature, a MAC or any other request or response body.
 */

export interface KmsCall {
  /** The emulator's clock when the call ran (after any injected delay). */
  readonly time: Date;
  readonly operation: KmsOperationName;
  readonly region: string;
  readonly accountId: string;
  /**
   * The ARNs of the keys the call named that exist here (an alias stands for its key), in the
   * order CloudTrail lists them (ReEncrypt: source, then destination); empty for a key that does
   * not exist, or a call that names none (GenerateRandom, ListKeys).
   */
  readonly keyArns: readonly string[];
  /** The id the CloudTrail event of this call carries (GetKeyLastUsage's CloudTrailEventId). */
  readonly eventId: string;
  /** The id the caller received in x-amzn-requestid (GetKeyLastUsage's KmsRequestId). */
  readonly requestId: string;
  /** For a refused call: the exception's name (`DisabledException`, `KMSInvalidStateException`, ...). */
  readonly errorCode?: string;
  /** For a refused call: the exception's message. */
  readonly errorMessage?: string;
  /** The User-Agent header, as sent. */
  readonly userAgent?: string;
  /** The access key id of the request's SigV4 scope (unchecked: the local KMS accepts any signature). */
  readonly accessKeyId?: string;
  /** The client's address. */
  readonly sourceIpAddress?: string;
}

export type KmsCallListener = (call: KmsCall) => void;
