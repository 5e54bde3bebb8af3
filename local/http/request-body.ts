import type { IncomingMessage } from 'node:http';
import { gunzipSync } from 'node:zlib';

/** The request body exceeded what the emulator accepts; the socket has been destroyed. */
export class RequestBodyTooLargeError extends Error {
  override readonly name = 'RequestBodyTooLargeError';
}

/**
 * Reads the whole request body as UTF-8, refusing (and cutting off) bodies larger than `maxBytes`.
 * A gzip body (`Content-Encoding: gzip`, what the SDKs send for CloudWatch PutMetricData above
 * 10 KiB) is decompressed, and the limit applies to what it decompresses to.
 */
export function readRequestBody(request: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new RequestBodyTooLargeError(`request body larger than ${maxBytes} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      if (headerValue(request, 'content-encoding')?.toLowerCase() !== 'gzip') {
        resolve(body.toString('utf8'));
        return;
      }
      try {
        resolve(gunzipSync(body, { maxOutputLength: maxBytes }).toString('utf8'));
      } catch {
        reject(new RequestBodyTooLargeError(`gzip request body not readable within ${maxBytes} bytes`));
      }
    });
    request.on('error', reject);
  });
}

/** The first value of a request header, if any. */
export function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
