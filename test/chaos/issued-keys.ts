import { DeleteAccessKeyCommand, IAMClient, UpdateAccessKeyCommand, type IAMClientConfig } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { IamTag } from '../../functions/strategies/iam/options';
import { OptionTag, STRATEGY_TAG } from '../../functions/strategies/tag-options';
import { ACCESS_KEYS_PER_USER, type IamStsOperationName, type LocalIam } from '../../local/iam';
import type { ProviderHarness } from '../support/http-providers';
import { TARGET_CALLS, type TargetCall, type TargetFaultMode } from './scenario';
import { RequestTap, type TapDecision, type TappedRequest } from './request-tap';

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
 * A provider account of its own: a local fake of the provider per scenario (its keys are the account's), an
 * admin credential in a secret of its own, and a first key made by hand (test/support/http-providers.ts). The
 * function reaches the fake through a tap (the secret's base URL), so the scenario can kill it when a request
 * arrives.
 */
export async function prepareProviderAccount(
  start: () => Promise<ProviderHarness>,
  name: string,
  cap: number,
): Promise<PreparedIssuedKey> {
  const harness = await start();
  const { fake } = harness;
  let handler: ((request: TappedRequest) => TapDecision | undefined) | undefined;
  let tap: RequestTap;
  try {
    tap = await RequestTap.start(fake.endpoint, (request) => handler?.(request));
  } catch (error) {
    await harness.stop();
    throw error;
  }
  const first = harness.givenKey(name);
  const keyIdOf = (value: string) => stringField(value, 'keyId');
  const keys = (): HeldKey[] =>
    fake
      .listedKeys()
      .filter((key) => !key.admin)
      .map((key) => ({ id: key.id, active: true }));
  let orphans = 0;
  const target: IssuedKeyTarget = {
    cap,
    async authenticates(value) {
      const apiKey = stringField(value, 'apiKey');
      const keyId = keyIdOf(value);
      if (apiKey === undefined || keyId === undefined) return false;
      return harness.works({ ...jsonFields(value), apiKey, keyId });
    },
    keyIdOf,
    callOf(operation) {
      const [method = '', path = ''] = operation.split(' ');
      return fake.callOf(method, path);
    },
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
        { status: 503, json: { errors: [{ message: 'service unavailable' }] } },
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
      harness.givenKey(`keyturn-planted-${name}-${++orphans}`);
      return Promise.resolve();
    },
    revokeCurrent(current) {
      // Revoked in the provider's console: the provider's own record of the key goes.
      const id = keyIdOf(current);
      if (id === undefined || !fake.keys.delete(id)) throw new Error("AWSCURRENT's key is not at the provider");
      return Promise.resolve();
    },
    async stop() {
      handler = undefined;
      await tap.stop();
      await harness.stop();
    },
  };
  return {
    secretValue: first.secretValue,
    tags: {
      [STRATEGY_TAG]: 'http-api-key',
      [OptionTag.httpProvider]: harness.preset,
      [OptionTag.httpBaseUrl]: tap.endpoint,
    },
    adminSecret: { value: harness.adminSecretValue(), tag: OptionTag.httpAdminSecret },
    target,
  };
}
