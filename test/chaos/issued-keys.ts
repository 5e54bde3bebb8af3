import { DeleteAccessKeyCommand, IAMClient, UpdateAccessKeyCommand, type IAMClientConfig } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { IamTag } from '../../functions/strategies/iam/options';
import { OptionTag, STRATEGY_TAG } from '../../functions/strategies/tag-options';
import { ACCESS_KEYS_PER_USER, type IamStsOperationName, type LocalIam } from '../../local/iam';
import { SENDGRID_ADMIN_SCOPES, SENDGRID_MAX_KEYS, startFakeSendGrid } from '../../local/providers/sendgrid';
import { TARGET_CALLS, type TargetCall, type TargetFaultMode } from './scenario';
import { SecretsManagerTap, type TapDecision, type TappedRequest } from './secrets-manager-tap';

/**
 * The kinds whose value the target issues at createSecret: each scenario gets its own IAM user (on
 * the run's local IAM and STS) or its own SendGrid account (a local SendGrid fake of its own, behind
 * a tap), and the harness asks the target itself — never the code under test — which keys exist,
 * whether AWSCURRENT's key authenticates, and every key value it ever issued.
 */

/** A key the target holds now. */
export interface HeldKey {
  readonly id: string;
  readonly active: boolean;
}

/** One scenario's issued-key target. */
export interface IssuedKeyTarget {
  /** The most keys the target lets the user or account hold (IAM: 2; SendGrid: 100, the admin key included). */
  readonly cap: number;
  /** Whether the key in a secret value authenticates at the target (a real signed or bearer request). */
  authenticates(value: string): Promise<boolean>;
  /** The key id a secret value holds (undefined: none). */
  keyIdOf(value: string): string | undefined;
  /** The keys the target holds for the scenario's user or account now (the admin credential excluded). */
  keys(): Promise<HeldKey[]>;
  /** Every key value (or secret access key) the target ever issued for the scenario, revoked ones included. */
  issuedValues(): string[];
  /** The value fields of a secret value that must never appear in any output. */
  secretsIn(value: string): string[];
  /** Which of the strategy's calls a request the function sent is (undefined: none of them). */
  callOf(operation: string): TargetCall | undefined;
  /** The target fails the next `count` calls of `call`. */
  fail(call: TargetCall, mode: TargetFaultMode, count: number): void;
  /** Applies planned faults to a request the function sent (IAM: through the runtime's taps). */
  decide(request: TappedRequest): TapDecision | undefined;
  /** Where the function's requests to a provider pass (a tap): the scenario's world rules on them. */
  route(handler: (request: TappedRequest) => TapDecision | undefined): void;
  clearFaults(): void;
  /**
   * Before a rotation starts: an operator retires AWSPREVIOUS's key if it is still active (the lifecycle's
   * revoke and quarantine would have), so that IAM's two-key limit leaves room for the new one.
   */
  beforeRotation(values: {
    readonly current?: string;
    readonly pending?: string;
    readonly previous?: string;
  }): Promise<void>;
  /** The self-test: a key minted at the target that no version of the secret holds. */
  plantOrphan(current: string): Promise<void>;
  /** The self-test: AWSCURRENT's key revoked at the target behind keyturn's back. */
  revokeCurrent(current: string): Promise<void>;
  stop(): Promise<void>;
}

export interface PreparedIssuedKey {
  readonly secretValue: string;
  readonly tags: Readonly<Record<string, string>>;
  /** A secret to create first (the provider's admin credential) and the tag that names its ARN. */
  readonly adminSecret?: { readonly value: string; readonly tag: string };
  readonly target: IssuedKeyTarget;
}

function jsonFields(value: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function stringField(value: string, field: string): string | undefined {
  const found = jsonFields(value)[field];
  return typeof found === 'string' ? found : undefined;
}

/** The IAM and STS actions behind each call a strategy makes. */
const IAM_ACTIONS: Readonly<Record<TargetCall, readonly IamStsOperationName[]>> = {
  create: ['CreateAccessKey'],
  list: ['ListAccessKeys'],
  verify: ['GetCallerIdentity'],
  revoke: ['UpdateAccessKey', 'DeleteAccessKey'],
};

interface PlannedIamFault {
  readonly actions: readonly string[];
  readonly mode: TargetFaultMode;
  remaining: number;
}

/**
 * An IAM user of its own with one access key (`keyturn:iam-quarantine-seconds` 0, so a later rotation
 * may delete the key a revoke deactivated). IAM's fault knob is shared by the run; it is armed for one
 * request at the moment this scenario's function sends it, so faults strike this scenario's calls.
 */
export function prepareIamUser(iam: LocalIam, userName: string): PreparedIssuedKey {
  const user = iam.createUser(userName);
  const first = iam.createAccessKey(userName);
  const adminConfig: IAMClientConfig = {
    endpoint: iam.iamEndpoint,
    region: iam.region,
    credentials: iam.adminCredentials,
    maxAttempts: 3,
  };
  const admin = new IAMClient(adminConfig);
  const planned: PlannedIamFault[] = [];
  const keyIdOf = (value: string) => stringField(value, 'accessKeyId');
  const keys = (): HeldKey[] =>
    iam.accessKeys({ userName }).map((key) => ({ id: key.accessKeyId, active: key.status === 'Active' }));
  const target: IssuedKeyTarget = {
    cap: ACCESS_KEYS_PER_USER,
    async authenticates(value) {
      const accessKeyId = keyIdOf(value);
      const secretAccessKey = stringField(value, 'secretAccessKey');
      if (accessKeyId === undefined || secretAccessKey === undefined) return false;
      const sts = new STSClient({
        endpoint: iam.stsEndpoint,
        region: iam.region,
        credentials: { accessKeyId, secretAccessKey },
        maxAttempts: 1,
      });
      try {
        const identity = await sts.send(new GetCallerIdentityCommand({}));
        return identity.Arn === user.arn;
      } catch {
        return false;
      } finally {
        sts.destroy();
      }
    },
    keyIdOf,
    callOf: (operation) => TARGET_CALLS.find((call) => (IAM_ACTIONS[call] as readonly string[]).includes(operation)),
    keys: () => Promise.resolve(keys()),
    issuedValues: () => iam.issuedSecretAccessKeys({ userName }),
    secretsIn: (value) => [stringField(value, 'secretAccessKey') ?? value],
    fail(call, mode, count) {
      planned.push({ actions: IAM_ACTIONS[call], mode, remaining: count });
    },
    decide(request) {
      const fault = planned.find((f) => f.remaining > 0 && f.actions.includes(request.operation));
      if (!fault) return undefined;
      fault.remaining -= 1;
      const operation = request.operation as IamStsOperationName;
      if (fault.mode === 'server-error-after-applying') {
        // IAM did the work; the answer is lost on the way back (the connection drops).
        return { after: () => Promise.resolve('drop' as const) };
      }
      const code = fault.mode === 'too-many-requests' ? 'Throttling' : undefined;
      return {
        before: () => {
          iam.faults.failNext(operation, 1, code);
          return Promise.resolve('pass' as const);
        },
      };
    },
    route: () => undefined,
    clearFaults() {
      planned.length = 0;
    },
    async beforeRotation(values) {
      const previous = values.previous === undefined ? undefined : keyIdOf(values.previous);
      if (previous === undefined) return;
      const kept = [values.current, values.pending].map((value) => (value === undefined ? undefined : keyIdOf(value)));
      if (kept.includes(previous)) return;
      if (!keys().some((key) => key.id === previous && key.active)) return;
      await admin.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: previous }));
    },
    async plantOrphan(current) {
      // Room first (IAM allows two keys): the other key, AWSPREVIOUS's, is retired as an operator would.
      const other = keys().find((key) => key.id !== keyIdOf(current));
      if (other && keys().length >= ACCESS_KEYS_PER_USER) {
        await admin.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: other.id }));
      }
      iam.createAccessKey(userName);
    },
    async revokeCurrent(current) {
      const currentId = keyIdOf(current);
      if (currentId === undefined) throw new Error('AWSCURRENT holds no access key id');
      await admin.send(new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: currentId, Status: 'Inactive' }));
    },
    stop() {
      admin.destroy();
      return Promise.resolve();
    },
  };
  return {
    secretValue: JSON.stringify({ accessKeyId: first.accessKeyId, secretAccessKey: first.secretAccessKey, userName }),
    tags: {
      [STRATEGY_TAG]: 'iam-access-key',
      [IamTag.userName]: userName,
      [IamTag.quarantineSeconds]: '0',
    },
    target,
  };
}

/**
 * A SendGrid account of its own: a local SendGrid fake per scenario (its keys are the account's), an admin
 * key in a secret of its own, and a first key made by hand. The function reaches the fake through a tap
 * (the secret's base URL), so the scenario can kill it when a request arrives.
 */
export async function prepareSendGridAccount(name: string): Promise<PreparedIssuedKey> {
  const fake = await startFakeSendGrid();
  let handler: ((request: TappedRequest) => TapDecision | undefined) | undefined;
  let tap: SecretsManagerTap;
  try {
    tap = await SecretsManagerTap.start(fake.endpoint, (request) => handler?.(request));
  } catch (error) {
    await fake.stop();
    throw error;
  }
  const admin = fake.addSendGridKey('keyturn admin', SENDGRID_ADMIN_SCOPES, true);
  const first = fake.addSendGridKey(name, ['mail.send']);
  const keyIdOf = (value: string) => stringField(value, 'keyId');
  const keys = (): HeldKey[] =>
    fake
      .listedKeys()
      .filter((key) => key.id !== admin.id)
      .map((key) => ({ id: key.id, active: true }));
  const target: IssuedKeyTarget = {
    cap: SENDGRID_MAX_KEYS,
    async authenticates(value) {
      const apiKey = stringField(value, 'apiKey');
      if (apiKey === undefined) return false;
      const response = await fetch(`${fake.endpoint}/v3/scopes`, { headers: { Authorization: `Bearer ${apiKey}` } });
      await response.text();
      return response.status === 200;
    },
    keyIdOf,
    callOf: (operation) => sendGridCall(operation),
    keys: () => Promise.resolve(keys()),
    issuedValues: () => [...fake.issuedValues],
    secretsIn: (value) => [stringField(value, 'apiKey') ?? value],
    fail(call, mode, count) {
      if (mode === 'too-many-requests') {
        fake.failNext(call, 'too-many-requests', { count });
        return;
      }
      fake.failNext(
        call,
        { status: 503, json: { errors: [{ field: null, message: 'service unavailable' }] } },
        { count, timing: mode === 'server-error-after-applying' ? 'after-applying' : 'before-applying' },
      );
    },
    decide: () => undefined,
    route(next) {
      handler = next;
    },
    clearFaults() {
      fake.clearFaults();
    },
    beforeRotation: () => Promise.resolve(),
    plantOrphan() {
      fake.addSendGridKey(`keyturn-planted-${name}`, ['mail.send']);
      return Promise.resolve();
    },
    async revokeCurrent(current) {
      const id = keyIdOf(current);
      if (id === undefined) throw new Error('AWSCURRENT holds no key id');
      const response = await fetch(`${fake.endpoint}/v3/api_keys/${encodeURIComponent(id)}`, {
        method: 'DELETE',
        headers: { Authorization: `Bearer ${admin.value}` },
      });
      await response.text();
      if (response.status !== 204) throw new Error(`revoking AWSCURRENT's key at SendGrid answered ${response.status}`);
    },
    async stop() {
      handler = undefined;
      await tap.stop();
      await fake.stop();
    },
  };
  return {
    secretValue: JSON.stringify({ apiKey: first.value, keyId: first.id, scopes: ['mail.send'] }),
    tags: {
      [STRATEGY_TAG]: 'http-api-key',
      [OptionTag.httpProvider]: 'sendgrid',
      [OptionTag.httpBaseUrl]: tap.endpoint,
    },
    adminSecret: { value: JSON.stringify({ apiKey: admin.value, keyId: admin.id }), tag: OptionTag.httpAdminSecret },
    target,
  };
}

/** SendGrid's API key routes, as the tap names requests (`METHOD /path`). */
function sendGridCall(operation: string): TargetCall | undefined {
  if (operation === 'POST /v3/api_keys') return 'create';
  if (operation === 'GET /v3/api_keys') return 'list';
  if (operation === 'GET /v3/scopes') return 'verify';
  if (operation.startsWith('DELETE /v3/api_keys/')) return 'revoke';
  return undefined;
}
