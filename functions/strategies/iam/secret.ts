import { InvalidSecretValueError } from '../errors';
import { parseJsonObject } from '../json-value';

/**
 * The JSON shapes an IAM access key is stored in. keyturn reads all three and writes a new key
 * back in the shape it read, keeping every other field:
 * - `keyturn`: `{"accessKeyId", "secretAccessKey", "userName"?}`;
 * - `credentials-file`: the AWS CLI's credentials-file names, `{"aws_access_key_id", "aws_secret_access_key"}`;
 * - `iam-api`: what `aws iam create-access-key` prints, `{"AccessKeyId", "SecretAccessKey", "UserName"?}`.
 */
export const IAM_KEY_SHAPES = {
  keyturn: { id: 'accessKeyId', secret: 'secretAccessKey', user: 'userName' },
  'credentials-file': { id: 'aws_access_key_id', secret: 'aws_secret_access_key', user: 'userName' },
  'iam-api': { id: 'AccessKeyId', secret: 'SecretAccessKey', user: 'UserName' },
} as const;
export type IamKeyShape = keyof typeof IAM_KEY_SHAPES;

/** IAM's access key ids: letters and digits, 16 to 128 (the API's pattern and length). */
const ACCESS_KEY_ID = /^[A-Za-z0-9]{16,128}$/;
/** IAM user names (the API's pattern). */
export const IAM_USER_NAME = /^[\w+=,.@-]{1,64}$/;

export interface IamKeySecret {
  readonly shape: IamKeyShape;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The user the value names, if it names one. */
  readonly userName?: string;
  /** Every field of the stored JSON, so a new version keeps the ones keyturn does not know. */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A key as IAM issues it, before it is written into a secret. */
export interface AccessKeyPair {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

function describeShapes(): string {
  return Object.values(IAM_KEY_SHAPES)
    .map((s) => `"${s.id}" with "${s.secret}"`)
    .join(', or ');
}

/** Parses an access key secret; errors name the version and the fields, never their values. */
export function parseIamKeySecret(value: string, versionLabel: string): IamKeySecret {
  const fields = parseJsonObject(value, versionLabel);
  const present = (Object.keys(IAM_KEY_SHAPES) as IamKeyShape[]).filter(
    (shape) => IAM_KEY_SHAPES[shape].id in fields || IAM_KEY_SHAPES[shape].secret in fields,
  );
  if (present.length === 0) {
    throw new InvalidSecretValueError(`the ${versionLabel} value holds no access key: expected ${describeShapes()}`);
  }
  if (present.length > 1) {
    throw new InvalidSecretValueError(
      `the ${versionLabel} value holds access key fields of several shapes (${present.join(', ')}): keep one`,
    );
  }
  const shape = present[0] as IamKeyShape;
  const names = IAM_KEY_SHAPES[shape];
  const id = fields[names.id];
  const secret = fields[names.secret];
  const user = fields[names.user];
  if (typeof id !== 'string' || !ACCESS_KEY_ID.test(id)) {
    throw new InvalidSecretValueError(
      `the ${versionLabel} value's "${names.id}" is not an access key id (16-128 letters and digits)`,
    );
  }
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new InvalidSecretValueError(`the ${versionLabel} value's "${names.secret}" is missing or not a string`);
  }
  if (user !== undefined && (typeof user !== 'string' || !IAM_USER_NAME.test(user))) {
    throw new InvalidSecretValueError(`the ${versionLabel} value's "${names.user}" is not an IAM user name`);
  }
  return { shape, accessKeyId: id, secretAccessKey: secret, ...(user === undefined ? {} : { userName: user }), fields };
}

/** `base` with its key replaced by `key`, in `base`'s shape, every other field kept. */
export function withAccessKey(base: IamKeySecret, key: AccessKeyPair): string {
  const names = IAM_KEY_SHAPES[base.shape];
  return JSON.stringify({ ...base.fields, [names.id]: key.accessKeyId, [names.secret]: key.secretAccessKey });
}

/**
 * The IAM user of a secret: its user field, else the entry's option (the `keyturn:iam-user` tag).
 * Both, naming different users, is an error rather than a guess.
 */
export function userNameOf(secret: IamKeySecret, optionUserName: string | undefined, versionLabel: string): string {
  if (secret.userName !== undefined && optionUserName !== undefined && secret.userName !== optionUserName) {
    throw new InvalidSecretValueError(
      `the ${versionLabel} value names IAM user "${secret.userName}" but the entry names "${optionUserName}"`,
    );
  }
  const userName = secret.userName ?? optionUserName;
  if (userName === undefined) {
    throw new InvalidSecretValueError(
      `the ${versionLabel} value names no IAM user: add "${IAM_KEY_SHAPES[secret.shape].user}" or set the entry's options.userName`,
    );
  }
  return userName;
}
