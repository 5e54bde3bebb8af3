import { CreateAccessKeyCommand, CreateUserCommand, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { DescribeSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { Logger } from '@aws-lambda-powertools/logger';
import { deadlineIn } from '../../functions/shared/deadline';
import { SecretStore, type SecretVersion } from '../../functions/shared/secret-store';
import { createIamAccessKeyStrategy } from '../../functions/strategies/iam/access-key';
import { createAwsIamAccess } from '../../functions/strategies/iam/iam-client';
import type { RotationStrategy, StrategyContext } from '../../functions/strategies/strategy';
import type { LocalIam } from '../../local/iam';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { localIamEndpoint, type IamEndpoint } from './iam-endpoint';
import { createSecret, jsonAt, MANUAL_FUNCTION_ARN, rotateAndWait } from './secrets';

/**
 * What the iam-access-key test files share: the real rotation handler and the local Secrets Manager,
 * against keyturn's local IAM + STS (+ CloudTrail), which verifies every request's SigV4 signature
 * against the secret of the key that signed it, and helpers to make users, secrets and rotation steps.
 * `useIamKeyStack()` starts the stack for a file and captures its output; the bindings below are live
 * (read them after the file's beforeAll). Every secret access key issued is collected for the leak check.
 */

// A short timeout for the rotation function: how long an attempt that created a key can still be storing it.
process.env.KEYTURN_FUNCTION_TIMEOUT_SECONDS = '2';
// Every log line is captured, to check that no secret access key reaches one.
process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';

export let iam: IamEndpoint;
export let stack: LocalStack;
export let localIam: LocalIam;
export let strategy: RotationStrategy;
let counter = 0;
/** A number no other call in the file gets: for unique user, role and secret names. */
export function nextId(): number {
  return ++counter;
}
export const issuedSecrets = new Set<string>();
const output: string[] = [];

/** Starts the local stack (with IAM, STS and CloudTrail) for the calling test file, and captures its output. */
export function useIamKeyStack(): void {
  beforeAll(async () => {
    stack = await startLocalStack({ iam: true });
    localIam = stack.iam as LocalIam;
    iam = localIamEndpoint(localIam);
    stack.secretsManager.registerRotationFunction(MANUAL_FUNCTION_ARN, () => Promise.resolve());
    strategy = createIamAccessKeyStrategy(createAwsIamAccess());
    for (const stream of [process.stdout, process.stderr]) {
      jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return true;
      });
    }
  }, 30_000);
  afterAll(async () => {
    jest.restoreAllMocks();
    await iam.stop();
    await stack.stop();
  });
}

/** The leak check: no secret access key issued in the file reached its captured output. */
export function expectNoIssuedSecretInOutput(): void {
  const text = output.join('');
  expect(text.length).toBeGreaterThan(0);
  for (const secret of issuedSecrets) expect(text).not.toContain(secret);
}

export type Shape = 'keyturn' | 'credentials-file' | 'iam-api';
export interface Key {
  readonly id: string;
  readonly secret: string;
}
export interface User {
  readonly name: string;
  readonly key: Key;
  readonly secretArn: string;
}

export async function newKey(userName: string): Promise<Key> {
  const out = await iam.admin.send(new CreateAccessKeyCommand({ UserName: userName }));
  const key = { id: out.AccessKey?.AccessKeyId ?? '', secret: out.AccessKey?.SecretAccessKey ?? '' };
  issuedSecrets.add(key.secret);
  return key;
}

export function valueIn(shape: Shape, key: Key, userName: string): Record<string, string> {
  if (shape === 'credentials-file') return { aws_access_key_id: key.id, aws_secret_access_key: key.secret };
  if (shape === 'iam-api') return { AccessKeyId: key.id, SecretAccessKey: key.secret, UserName: userName };
  return { accessKeyId: key.id, secretAccessKey: key.secret, userName };
}

export async function givenUser(
  options: { shape?: Shape; tags?: Record<string, string>; path?: string } = {},
): Promise<User> {
  const name = `app-${nextId()}`;
  await iam.admin.send(new CreateUserCommand({ UserName: name, ...(options.path ? { Path: options.path } : {}) }));
  const key = await newKey(name);
  const secret = await createSecret(
    stack.client,
    `iam/${name}`,
    JSON.stringify({ ...valueIn(options.shape ?? 'keyturn', key, name), note: 'kept' }),
    { 'keyturn:strategy': 'iam-access-key', 'keyturn:iam-user': name, ...options.tags },
  );
  return { name, key, secretArn: secret.arn };
}

export async function keysOf(userName: string): Promise<Record<string, string>> {
  const out = await iam.admin.send(new ListAccessKeysCommand({ UserName: userName }));
  return Object.fromEntries((out.AccessKeyMetadata ?? []).map((k) => [k.AccessKeyId ?? '', k.Status ?? '']));
}

export async function keyAt(user: User, stage: string): Promise<Key> {
  const value = await jsonAt<{ accessKeyId: string; secretAccessKey: string }>(stack.client, user.secretArn, stage);
  issuedSecrets.add(value.secretAccessKey);
  return { id: value.accessKeyId, secret: value.secretAccessKey };
}

export const userArn = (user: User, path = '/') => `arn:aws:iam::${iam.account}:user${path}${user.name}`;
/** What the local IAM answers a key it does not accept (never issued, deleted, inactive, not yet active). */
export const REFUSED = { refused: 'InvalidClientTokenId' };

/** The outcomes of the key's authentications from the `from`-th on (accepted, or the error code). */
export function outcomesOf(keyId: string, from = 0): string[] {
  return localIam
    .authentications(keyId)
    .slice(from)
    .map((entry) => entry.outcome);
}

export async function ctxFor(user: User): Promise<StrategyContext> {
  const out = await stack.client.send(new DescribeSecretCommand({ SecretId: user.secretArn }));
  return {
    secretArn: user.secretArn,
    token: 'lifecycle',
    tags: Object.fromEntries((out.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
    store: new SecretStore(stack.client),
    logger: new Logger({ logLevel: 'SILENT' }),
    deadline: deadlineIn(30_000),
  };
}

export async function version(user: User, stage: string): Promise<SecretVersion> {
  const out = await stack.client.send(new GetSecretValueCommand({ SecretId: user.secretArn, VersionStage: stage }));
  return {
    versionId: out.VersionId ?? '',
    value: out.SecretString ?? '',
    stages: out.VersionStages ?? [],
    createdAt: out.CreatedDate,
  };
}

/** RotateSecret with the do-nothing function: the AWSPENDING placeholder, as a rotation whose steps have not run yet. */
export async function placeholder(user: User): Promise<string> {
  return (await rotateAndWait(stack, user.secretArn, MANUAL_FUNCTION_ARN)).token;
}

export async function createSecretStep(user: User, token: string, remainingMs?: number): Promise<void> {
  await rotationStep(
    'createSecret',
    user,
    token,
    remainingMs === undefined ? undefined : { getRemainingTimeInMillis: () => remainingMs },
  );
}

/** One step of the rotation handler, optionally with Lambda's remaining time. */
export async function rotationStep(
  step: 'createSecret' | 'setSecret' | 'testSecret',
  user: User,
  token: string,
  context?: { readonly getRemainingTimeInMillis: () => number },
): Promise<void> {
  await stack.rotationHandler({ Step: step, SecretId: user.secretArn, ClientRequestToken: token }, context);
}

/** A Lambda context whose invocation must answer `ms` from now. */
export function invocationEndingIn(ms: number): { readonly getRemainingTimeInMillis: () => number } {
  const end = Date.now() + ms;
  return { getRemainingTimeInMillis: () => Math.max(0, end - Date.now()) };
}

export async function pendingValue(user: User, token: string): Promise<string | undefined> {
  return stack.client
    .send(new GetSecretValueCommand({ SecretId: user.secretArn, VersionId: token, VersionStage: 'AWSPENDING' }))
    .then((out) => out.SecretString)
    .catch(() => undefined);
}

export async function failure(work: Promise<unknown>): Promise<Error> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}
