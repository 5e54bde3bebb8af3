import type { Server } from 'node:http';
import { closeServer, endpointOf, listenOnLoopback } from '../http/listen';
import { AcceptedCallListeners, type AcceptedCallListener } from './accepted-calls';
import type { AuthenticationContext, AuthenticationRecord } from './authenticate';
import { createIamControlHandler } from './control';
import { IamFaults, type IamFaultControl } from './faults';
import { createIamOperationHandlers, isIamOperationName } from './iam-operations';
import { newAccessKeyId, newSecretAccessKey } from './ids';
import { createIamServer, createStsServer } from './server';
import { IamState, type AccessKeyRecord, type AccessKeyStatus, type RoleInput } from './state';
import { createStsOperationHandlers, isStsOperationName } from './sts-operations';

/**
 * The in-process API of the local IAM and STS. Start it, point unmodified IAMClient and
 * STSClient at `iamEndpoint` / `stsEndpoint` (or AWS_ENDPOINT_URL_IAM / AWS_ENDPOINT_URL_STS)
 * with `adminCredentials` or credentials it issued, and every request is verified by its SigV4
 * signature against the secret of the key that signed it.
 */

export interface LocalIamCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Only for temporary credentials. */
  readonly sessionToken?: string;
}

export interface LocalIamOptions {
  /** Port of the IAM endpoint. @default 0 (a free port) */
  readonly iamPort?: number;
  /** Port of the STS endpoint. @default 0 (a free port) */
  readonly stsPort?: number;
  /** Loopback only. @default '127.0.0.1' */
  readonly host?: '127.0.0.1';
  /** @default 'us-east-1' */
  readonly region?: string;
  /** The account the admin user (and users created without an account) live in. @default '123456789012' */
  readonly accountId?: string;
  /** The admin user's key pair (any id of 16-128 word characters). @default a fresh AKIA key */
  readonly adminCredentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** @default 'keyturn-admin' */
  readonly adminUserName?: string;
  /** How long a key created through CreateAccessKey is refused before it works. @default 0 */
  readonly keyActivationDelayMs?: number;
  /**
   * How long a key keeps working after UpdateAccessKey Inactive or DeleteAccessKey, as the change
   * spreads through IAM (reactivation is immediate). @default 0
   */
  readonly keyRevocationDelayMs?: number;
  /** LastUsedDate is truncated to this (IAM's sample responses show whole minutes). @default 60000 */
  readonly lastUsedResolutionMs?: number;
  /** The clock for dates, expiry, activation and the 15-minute signature window. */
  readonly now?: () => Date;
  /** Told of every call accepted from the start (as `subscribe` would be): the local CloudTrail's feed. */
  readonly onAcceptedCall?: AcceptedCallListener;
}

/** What the local IAM shows of an access key: never its secret. */
export interface LocalIamAccessKey {
  readonly accessKeyId: string;
  readonly accountId: string;
  readonly userName: string;
  readonly status: AccessKeyStatus;
  readonly createdAt: Date;
  /** When the key starts (or started) to work. */
  readonly activeFrom: Date;
  /** Deactivated recently: it keeps working until then. */
  readonly worksUntil?: Date;
  readonly lastUsed?: { readonly date: Date; readonly serviceName: string; readonly region: string };
}

export interface LocalIamUser {
  readonly accountId: string;
  readonly userName: string;
  readonly userId: string;
  readonly arn: string;
}

const ACCESS_KEY_ID = /^\w{16,128}$/;
const ACCOUNT_ID = /^\d{12}$/;
const MAX_AUTHENTICATION_RECORDS = 10_000;

export class LocalIam {
  /** Base URL for `new IAMClient({ endpoint })` or AWS_ENDPOINT_URL_IAM. */
  readonly iamEndpoint: string;
  /** Base URL for `new STSClient({ endpoint })` or AWS_ENDPOINT_URL_STS. */
  readonly stsEndpoint: string;
  readonly region: string;
  readonly accountId: string;
  /** The admin user's key: credentials for the rotation function and tests. */
  readonly adminCredentials: LocalIamCredentials;
  /** `arn:aws:iam::<accountId>:user/<adminUserName>`. */
  readonly adminArn: string;
  /** Fail the next N calls of an IAM or STS action (default ServiceFailure / InternalFailure, HTTP 500). */
  readonly faults: IamFaultControl;

  private stopping: Promise<void> | undefined;

  /** @internal use startLocalIam */
  constructor(
    private readonly servers: { readonly iam: Server; readonly sts: Server },
    private readonly state: IamState,
    private readonly auth: { readonly log: AuthenticationRecord[]; readonly listeners: AcceptedCallListeners },
    faults: IamFaults,
    admin: { readonly credentials: LocalIamCredentials; readonly arn: string },
    region: string,
  ) {
    this.iamEndpoint = endpointOf(servers.iam);
    this.stsEndpoint = endpointOf(servers.sts);
    this.region = region;
    this.accountId = state.defaultAccountId;
    this.adminCredentials = admin.credentials;
    this.adminArn = admin.arn;
    this.faults = faults;
  }

  /** Creates a user without going through the API (a fixture), in `accountId` (default: this IAM's). */
  createUser(userName: string, options: { readonly accountId?: string; readonly path?: string } = {}): LocalIamUser {
    const user = this.state.createUser(this.account(options.accountId), userName, options.path);
    return { accountId: user.accountId, userName: user.userName, userId: user.userId, arn: user.arn };
  }

  /**
   * Issues a key to a user without going through the API (a fixture), subject to the two-key
   * quota. Unless `activeImmediately` is false it works at once, whatever the activation delay.
   */
  createAccessKey(
    userName: string,
    options: { readonly accountId?: string; readonly activeImmediately?: boolean } = {},
  ): LocalIamCredentials {
    const user = this.state.user(this.account(options.accountId), userName);
    const key = this.state.createAccessKey(user, { activeImmediately: options.activeImmediately ?? true });
    return { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
  }

  /** Declares a role (in another account for cross-account access); returns its ARN. */
  createRole(input: RoleInput): string {
    if (input.accountId !== undefined) this.account(input.accountId);
    return this.state.createRole(input).arn;
  }

  /** The delay before keys created through CreateAccessKey from now on start to work. */
  setKeyActivationDelay(ms: number): void {
    this.state.keyActivationDelayMs = checkedDelay(ms);
  }

  /** How long keys deactivated or deleted from now on keep working. */
  setKeyRevocationDelay(ms: number): void {
    this.state.keyRevocationDelayMs = checkedDelay(ms);
  }

  /** Keys as IAM holds them now (deleted keys are gone), oldest first. */
  accessKeys(filter: { readonly accountId?: string; readonly userName?: string } = {}): LocalIamAccessKey[] {
    return listKeys(this.state, filter);
  }

  /**
   * The secret access keys of every key issued to a user so far, deleted ones included (never through
   * the API: for checks that no output holds one, such as the chaos suite's leak check).
   */
  issuedSecretAccessKeys(filter: { readonly accountId?: string; readonly userName: string }): string[] {
    const accountId = this.account(filter.accountId);
    return this.state
      .issuedKeys()
      .filter((key) => key.accountId === accountId && key.userName.toLowerCase() === filter.userName.toLowerCase())
      .map((key) => key.secretAccessKey);
  }

  /** One key, or undefined once deleted (or never issued). */
  accessKey(accessKeyId: string): LocalIamAccessKey | undefined {
    const key = this.state.findKey(accessKeyId);
    return key ? describeKey(key) : undefined;
  }

  /** Every authentication attempt so far (optionally of one key id), oldest first: accepted or the error code. */
  authentications(accessKeyId?: string): AuthenticationRecord[] {
    return authenticationsOf(this.auth.log, accessKeyId);
  }

  clearAuthentications(): void {
    this.auth.log.length = 0;
  }

  /**
   * Tells `listener` of every IAM or STS call accepted from now on (signature verified, known
   * action), as it is accepted and whatever the action then answers; refused requests are never
   * reported. What it is told holds no secret (see AcceptedCall). Returns the unsubscribe function.
   * A listener that throws does not affect the call.
   */
  subscribe(listener: AcceptedCallListener): () => void {
    return this.auth.listeners.add(listener);
  }

  stop(): Promise<void> {
    this.stopping ??= Promise.all([closeServer(this.servers.iam), closeServer(this.servers.sts)]).then(() => undefined);
    return this.stopping;
  }

  private account(accountId: string | undefined): string {
    const id = accountId ?? this.accountId;
    if (!ACCOUNT_ID.test(id)) throw new RangeError(`account id must be 12 digits, got ${id}`);
    return id;
  }
}

function checkedDelay(ms: number): number {
  if (!Number.isInteger(ms) || ms < 0)
    throw new RangeError('a key propagation delay must be a whole number of ms >= 0');
  return ms;
}

function listKeys(
  state: IamState,
  filter: { readonly accountId?: string; readonly userName?: string },
): LocalIamAccessKey[] {
  return state
    .allKeys()
    .filter(
      (key) =>
        (filter.accountId === undefined || key.accountId === filter.accountId) &&
        (filter.userName === undefined || key.userName.toLowerCase() === filter.userName.toLowerCase()),
    )
    .map(describeKey);
}

function authenticationsOf(log: readonly AuthenticationRecord[], accessKeyId: string | undefined) {
  return log.filter((entry) => accessKeyId === undefined || entry.accessKeyId === accessKeyId);
}

function describeKey(key: AccessKeyRecord): LocalIamAccessKey {
  return {
    accessKeyId: key.accessKeyId,
    accountId: key.accountId,
    userName: key.userName,
    status: key.status,
    createdAt: key.createdAt,
    activeFrom: key.activeFrom,
    ...(key.worksUntil ? { worksUntil: key.worksUntil } : {}),
    ...(key.lastUsed ? { lastUsed: { ...key.lastUsed } } : {}),
  };
}

/** Starts the local IAM and STS on loopback, with the admin user and its key in `accountId`. */
export async function startLocalIam(options: LocalIamOptions = {}): Promise<LocalIam> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  if (!ACCOUNT_ID.test(accountId)) throw new RangeError(`accountId must be 12 digits, got ${accountId}`);
  const now = options.now ?? (() => new Date());
  const delay = checkedDelay(options.keyActivationDelayMs ?? 0);
  const resolution = options.lastUsedResolutionMs ?? 60_000;
  if (!Number.isInteger(resolution) || resolution < 1)
    throw new RangeError('lastUsedResolutionMs must be a whole number >= 1');
  const adminCredentials = options.adminCredentials ?? {
    accessKeyId: newAccessKeyId(),
    secretAccessKey: newSecretAccessKey(),
  };
  if (!ACCESS_KEY_ID.test(adminCredentials.accessKeyId)) {
    throw new RangeError('adminCredentials.accessKeyId must be 16 to 128 letters, digits or underscores');
  }
  if (adminCredentials.secretAccessKey.length === 0) throw new RangeError('adminCredentials.secretAccessKey is empty');

  const state = new IamState(accountId, now, delay);
  state.keyRevocationDelayMs = checkedDelay(options.keyRevocationDelayMs ?? 0);
  const admin = state.createUser(accountId, options.adminUserName ?? 'keyturn-admin');
  state.importAccessKey(admin, adminCredentials.accessKeyId, adminCredentials.secretAccessKey);

  const log: AuthenticationRecord[] = [];
  const listeners = new AcceptedCallListeners();
  if (options.onAcceptedCall) listeners.add(options.onAcceptedCall);
  const auth: AuthenticationContext = {
    state,
    now,
    lastUsedResolutionMs: () => resolution,
    record: (entry) => {
      // Bounded: a long local run keeps the most recent attempts.
      if (log.length >= MAX_AUTHENTICATION_RECORDS) log.shift();
      log.push(entry);
    },
    accepted: (call) => {
      const known = call.service === 'iam' ? isIamOperationName(call.action) : isStsOperationName(call.action);
      if (known) listeners.emit(call);
    },
  };
  const faults = new IamFaults();
  const control = createIamControlHandler({
    faults,
    accessKeys: (filter) => listKeys(state, filter),
    authentications: (accessKeyId) => authenticationsOf(log, accessKeyId),
    setKeyActivationDelay: (ms) => {
      state.keyActivationDelayMs = checkedDelay(ms);
    },
    setKeyRevocationDelay: (ms) => {
      state.keyRevocationDelayMs = checkedDelay(ms);
    },
  });
  const iam = createIamServer(createIamOperationHandlers(state), faults, auth, control);
  const sts = createStsServer(createStsOperationHandlers(state), faults, auth);
  await listenOnLoopback(iam, options.iamPort ?? 0, options.host);
  try {
    await listenOnLoopback(sts, options.stsPort ?? 0, options.host);
  } catch (error) {
    await closeServer(iam);
    throw error;
  }
  return new LocalIam(
    { iam, sts },
    state,
    { log, listeners },
    faults,
    { credentials: { ...adminCredentials }, arn: admin.arn },
    region,
  );
}
