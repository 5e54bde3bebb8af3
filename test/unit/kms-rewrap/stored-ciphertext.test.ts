import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { readCiphertext, storedLike } from '../../../functions/kms-rewrap/stored-ciphertext';

describe('a ciphertext as an item stores it', () => {
  const bytes = Uint8Array.from([1, 2, 3, 250]);

  it('binary attributes are read as they are, and written back as binary', () => {
    const read = readCiphertext({ k: { B: bytes } }, 'k');
    expect(read).toEqual({ found: true, value: { stored: { B: bytes }, ciphertext: bytes } });
    if (!read.found) throw new Error('not found');
    expect(storedLike(read.value, Uint8Array.from([9]))).toEqual({ B: Uint8Array.from([9]) });
  });

  it('string attributes are base64, decoded to read and encoded to write', () => {
    const read = readCiphertext({ k: { S: 'AQID+g==' } }, 'k');
    if (!read.found) throw new Error('not found');
    expect(Buffer.from(read.value.ciphertext)).toEqual(Buffer.from(bytes));
    expect(storedLike(read.value, Uint8Array.from([255, 254]))).toEqual({ S: '//4=' });
  });

  it('refuses strings that are not canonical base64, and finds nothing in a missing, empty or other attribute', () => {
    for (const s of ['AQID+g', 'AQID +g==', 'not base64!', 'AQID-g==']) {
      expect(readCiphertext({ k: { S: s } }, 'k')).toEqual({ found: false, reason: 'not-base64' });
    }
    const items: Record<string, AttributeValue>[] = [
      {},
      { k: { S: '' } },
      { k: { B: new Uint8Array() } },
      { k: { N: '1' } },
    ];
    for (const item of items) {
      expect(readCiphertext(item, 'k')).toEqual({ found: false, reason: 'missing' });
    }
  });
});
