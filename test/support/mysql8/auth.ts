import { constants, generateKeyPair, privateDecrypt } from 'node:crypto';
import type { Account, AccountStore } from './accounts';
import { isEmpty, matchesCleartext, nativeScrambleMatches, sha2ScrambleMatches } from './credentials';
import { ServerErrors } from './errors';
import type { HandshakeResponse, PacketChannel } from './protocol';

/**
 * The authentication exchange after the client's HandshakeResponse (MySQL Internals,
 * "Authentication Phase", and the manual's "Caching SHA-2 Pluggable Authentication"):
 * - the account's plugin decides: a client that answered with another plugin gets an
 *   AuthSwitchRequest (0xFE, plugin name, a fresh scramble);
 * - mysql_native_password: the scramble is checked against the primary, then the secondary;
 * - caching_sha2_password: the fast path succeeds (AuthMoreData 0x03) only for a credential in
 *   the server's cache; otherwise the server asks for full authentication (0x04): over TLS the
 *   client sends the password in clear, without TLS it asks for the server's RSA public key
 *   (0x02) and sends the password RSA-OAEP encrypted, XOR-ed with the scramble. A successful
 *   full authentication fills the cache.
 * Then the account's rules: temporary locking after failed logins, ACCOUNT LOCK, REQUIRE SSL.
 */

export interface RsaKeys {
  readonly publicKeyPem: string;
  readonly privateKeyPem: string;
}

let sharedKeys: Promise<RsaKeys> | undefined;

/** One RSA key pair per process (generating one takes tens of milliseconds). */
export function rsaKeys(): Promise<RsaKeys> {
  sharedKeys ??= new Promise((resolve, reject) => {
    generateKeyPair(
      'rsa',
      {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      },
      (error, publicKeyPem, privateKeyPem) => {
        if (error) reject(error);
        else resolve({ publicKeyPem, privateKeyPem });
      },
    );
  });
  return sharedKeys;
}

/** A scramble of printable bytes (the server's are too): no NUL can end it early. */
export function newScramble(random: (n: number) => Buffer): Buffer {
  const bytes = random(20);
  for (let i = 0; i < bytes.length; i++) bytes[i] = 0x21 + ((bytes[i] ?? 0) % 0x5e);
  return bytes;
}

export interface AuthInput {
  readonly channel: PacketChannel;
  readonly scramble: Buffer;
  readonly response: HandshakeResponse;
  readonly accounts: AccountStore;
  readonly clientHost: string;
  readonly random: (n: number) => Buffer;
}

/** The account the client authenticated as; a MysqlServerError (ERR packet) otherwise. */
export async function authenticate(input: AuthInput): Promise<Account> {
  const { channel, response, accounts, clientHost } = input;
  const client = { user: response.user, host: clientHost };
  const usingPassword = response.authResponse.length > 0;
  const account = accounts.matchLogin(response.user, clientHost);
  if (!account) throw ServerErrors.accessDenied(client, usingPassword);
  let scramble = input.scramble;
  let token = response.authResponse;
  if (response.authPlugin !== account.plugin) {
    scramble = newScramble(input.random);
    channel.write(
      Buffer.concat([Buffer.from([0xfe]), Buffer.from(`${account.plugin}\0`, 'ascii'), scramble, Buffer.from([0])]),
    );
    token = await channel.read();
  }
  const matched =
    account.plugin === 'mysql_native_password'
      ? nativeMatches(account, scramble, token)
      : await sha2Matches(account, scramble, token, channel);
  const refusal = accounts.loginOutcome(account, matched, client);
  if (refusal) throw refusal;
  if (account.require.type !== 'NONE' && !channel.tls) throw ServerErrors.accessDenied(client, usingPassword);
  return account;
}

function nativeMatches(account: Account, scramble: Buffer, token: Buffer): boolean {
  return [account.primary, account.secondary].some(
    (c) =>
      c !== undefined &&
      (isEmpty(c) ? c === account.primary && token.length === 0 : nativeScrambleMatches(c, scramble, token)),
  );
}

async function sha2Matches(
  account: Account,
  scramble: Buffer,
  token: Buffer,
  channel: PacketChannel,
): Promise<boolean> {
  if (token.length === 0) return isEmpty(account.primary);
  for (const slot of ['primary', 'secondary'] as const) {
    const credential = account[slot];
    if (credential && account.cachedForFastAuth.has(slot) && sha2ScrambleMatches(credential, scramble, token)) {
      channel.write(Buffer.from([0x01, 0x03]));
      return true;
    }
  }
  channel.write(Buffer.from([0x01, 0x04]));
  let reply = await channel.read();
  let cleartext: string;
  if (channel.tls) {
    cleartext = reply.toString('utf8');
  } else {
    if (!(reply.length === 1 && reply[0] === 0x02)) return false;
    const keys = await rsaKeys();
    channel.write(Buffer.concat([Buffer.from([0x01]), Buffer.from(keys.publicKeyPem, 'ascii')]));
    reply = await channel.read();
    let decrypted: Buffer;
    try {
      decrypted = privateDecrypt(
        { key: keys.privateKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
        reply,
      );
    } catch {
      return false;
    }
    for (let i = 0; i < decrypted.length; i++)
      decrypted[i] = (decrypted[i] ?? 0) ^ (scramble[i % scramble.length] ?? 0);
    cleartext = decrypted.toString('utf8');
  }
  const password = cleartext.endsWith('\0') ? cleartext.slice(0, -1) : cleartext;
  for (const slot of ['primary', 'secondary'] as const) {
    const credential = account[slot];
    if (credential && !isEmpty(credential) && matchesCleartext(credential, password)) {
      account.cachedForFastAuth.add(slot);
      return true;
    }
  }
  return false;
}
