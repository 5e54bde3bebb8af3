import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { headerValue } from './request-body';

/**
 * What an AWS JSON emulator knows of a call besides its body, for the emulators that report their
 * calls (the local KMS to the local CloudTrail): the request id its answer carries, and who called
 * from where as an audit log may show it. Never the signature, a secret or the body.
 */
export interface ReceivedCall {
  /** The id the answer carries in x-amzn-requestid. */
  readonly requestId: string;
  /** The User-Agent header, as sent. */
  readonly userAgent?: string;
  /** The access key id of the SigV4 `Credential=` scope (the signature itself is not checked). */
  readonly accessKeyId?: string;
  /** The client's address, as the socket reports it. */
  readonly sourceIpAddress?: string;
  /**
   * The region of the SigV4 credential scope: the region the client was configured with, which a regional service
   * (the local Secrets Manager's replicas) routes by, as AWS does by endpoint.
   */
  readonly region?: string;
}

/** `AWS4-HMAC-SHA256 Credential=<access key id>/<date>/<region>/<service>/aws4_request, ...` */
const CREDENTIAL_ACCESS_KEY_ID = /\bCredential=([^/,\s]+)\//;
const CREDENTIAL_REGION = /\bCredential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\//;

export function receivedCall(request: IncomingMessage): ReceivedCall {
  const userAgent = headerValue(request, 'user-agent');
  const authorization = headerValue(request, 'authorization') ?? '';
  const accessKeyId = CREDENTIAL_ACCESS_KEY_ID.exec(authorization)?.[1];
  const region = CREDENTIAL_REGION.exec(authorization)?.[1];
  const sourceIpAddress = request.socket.remoteAddress;
  return {
    requestId: randomUUID(),
    ...(userAgent === undefined ? {} : { userAgent }),
    ...(accessKeyId === undefined ? {} : { accessKeyId }),
    ...(sourceIpAddress === undefined ? {} : { sourceIpAddress }),
    ...(region === undefined ? {} : { region }),
  };
}
