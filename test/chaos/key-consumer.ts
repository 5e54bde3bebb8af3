import { randomBytes } from 'node:crypto';
import {
  DecryptCommand,
  EncryptCommand,
  GenerateMacCommand,
  VerifyMacCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import type { KeyTarget } from './key-scenario';

/**
 * The consumer of a kms-key scenario's key, as an application would use it: through the alias only, encrypt and
 * decrypt (a symmetric key) or generate and verify a MAC (an HMAC key), keeping every ciphertext or MAC it made
 * with the key that made it, to check later that nothing made is lost. Its data is random bytes: secrets no
 * output may hold.
 */

const HMAC_ALGORITHM = 'HMAC_SHA_256';

/** Something the consumer made through the alias: a ciphertext, or a MAC of a message. */
export interface KeyArtefact {
  readonly where: string;
  readonly keyId: string;
  /** The plaintext or the MAC'd message. */
  readonly data: Uint8Array;
  /** The ciphertext or the MAC. */
  readonly made: Uint8Array;
}

export const keyIdOfArn = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);

export class KeyConsumer {
  readonly artefacts: KeyArtefact[] = [];

  constructor(
    private readonly kms: KMSClient,
    private readonly aliasName: string,
    private readonly key: KeyTarget,
  ) {}

  /** One round trip through the alias, what it made kept; undefined when it worked, else why not (value-free). */
  async roundTrip(where: string): Promise<string | undefined> {
    const data = randomBytes(32);
    try {
      if (this.key === 'symmetric') {
        const sealed = await this.kms.send(new EncryptCommand({ KeyId: this.aliasName, Plaintext: data }));
        const opened = await this.kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }));
        if (!sealed.CiphertextBlob || !sealed.KeyId || !opened.Plaintext || !Buffer.from(opened.Plaintext).equals(data))
          return `encrypt and decrypt through ${this.aliasName} disagree`;
        this.artefacts.push({ where, keyId: keyIdOfArn(sealed.KeyId), data, made: sealed.CiphertextBlob });
        return undefined;
      }
      const mac = await this.kms.send(
        new GenerateMacCommand({ KeyId: this.aliasName, Message: data, MacAlgorithm: HMAC_ALGORITHM }),
      );
      const verified = await this.kms.send(
        new VerifyMacCommand({ KeyId: this.aliasName, Message: data, Mac: mac.Mac, MacAlgorithm: HMAC_ALGORITHM }),
      );
      if (!mac.Mac || !mac.KeyId || verified.MacValid !== true)
        return `a MAC made through ${this.aliasName} does not verify`;
      this.artefacts.push({ where, keyId: keyIdOfArn(mac.KeyId), data, made: mac.Mac });
      return undefined;
    } catch (error) {
      return `the round trip through ${this.aliasName} failed: ${error instanceof Error ? error.name : 'Error'}`;
    }
  }

  /** The ciphertext decrypts to its plaintext (under whatever material made it), or the MAC verifies with its key. */
  async stillWorks(artefact: KeyArtefact): Promise<boolean> {
    if (this.key === 'symmetric') {
      const opened = await this.kms.send(new DecryptCommand({ CiphertextBlob: artefact.made }));
      return opened.Plaintext !== undefined && Buffer.from(opened.Plaintext).equals(Buffer.from(artefact.data));
    }
    const verified = await this.kms.send(
      new VerifyMacCommand({
        KeyId: artefact.keyId,
        Message: artefact.data,
        Mac: artefact.made,
        MacAlgorithm: HMAC_ALGORITHM,
      }),
    );
    return verified.MacValid === true;
  }
}
