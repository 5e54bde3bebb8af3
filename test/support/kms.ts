/**
 * Shared pieces of the local KMS tests: a KMSClient for an endpoint, and reading a rejected call.
 * A request timeout only throws with throwOnRequestTimeout (recent @smithy/node-http-handler
 * otherwise just warns and keeps waiting).
 */
import { KMSClient } from '@aws-sdk/client-kms';

export function kmsClient(
  endpoint: string,
  options: { readonly maxAttempts?: number; readonly requestTimeoutMs?: number } = {},
) {
  return new KMSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIAKEYTURNLOCAL0001', secretAccessKey: 'keyturn-local-kms-test' },
    maxAttempts: options.maxAttempts ?? 1,
    ...(options.requestTimeoutMs === undefined
      ? {}
      : { requestHandler: { requestTimeout: options.requestTimeoutMs, throwOnRequestTimeout: true } }),
  });
}

export interface RejectedCall {
  readonly name: string;
  readonly status: number | undefined;
  readonly message: string;
}

/** How a call that must fail failed: the exception name the SDK gave it, and the HTTP status. */
export async function rejectionOf(call: Promise<unknown>): Promise<RejectedCall> {
  try {
    await call;
  } catch (error) {
    const { name, message, $metadata } = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name, message, status: $metadata?.httpStatusCode };
  }
  throw new Error('the call succeeded, but it was expected to fail');
}
