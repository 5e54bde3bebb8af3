import { CreateSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { DEFAULT_CANARY_LABEL } from '../../functions/shared/canary';
import { AuditEventType, LifecycleTag } from '../../functions/shared/lifecycle-contract';
import { ManagementTag } from '../../functions/shared/management-tags';
import { encodeProbe, PROBE_TAG } from '../../functions/strategies/probe/probe';
import type { LocalPostgres } from '../databases/postgres';
import { rotateNow } from '../rotate-now';
import type { LocalStack } from '../stack';
import type { LambdaHandler } from '../stepfunctions/runner';
import { runExecution, type ExecutionReport } from './lifecycle-drill';
import type { Check } from './report';
import { secretArn, value, versions, type DbSecret } from './secret-rotation';

const SECRET = 'db/analytics-app';
/**
 * The app's own start-up check: its user must be on the allowlist (division by zero when it is not; in WHERE, since
 * keyturn runs a probe as a subquery whose unused columns PostgreSQL never computes).
 */
const ALLOWLIST_PROBE =
  'SELECT 1 WHERE 1 / (SELECT count(*) FROM analytics_allowlist WHERE usr = session_user)::int = 1';
/** Two checks a minute apart (the drill shortens the waits to a millisecond). */
const CANARY_TAGS = {
  [LifecycleTag.canaryWindowSeconds]: '120',
  [LifecycleTag.canaryCheckEverySeconds]: '60',
  [LifecycleTag.drainMaxWaitSeconds]: '0',
  [LifecycleTag.whenStillInUse]: 'revoke',
  [PROBE_TAG]: encodeProbe({ sql: ALLOWLIST_PROBE }),
};

/** What a CanaryCheck wrapper saw during the hold, before the real check ran. */
interface HoldObservation {
  readonly candidate: DbSecret;
  readonly candidateLogsIn: boolean;
  readonly currentLogsIn: boolean;
}

/**
 * Canary cohorts (docs/canary.md) on a PostgreSQL alternating-users secret: the lifecycle sets up the other user as
 * a candidate under KEYTURN_CANARY and holds it while AWSCURRENT stays; a clean hold promotes exactly that value
 * through RotateSecret. Then a canary whose probe starts failing during the hold (the candidate taken off the app's
 * allowlist) is aborted: the candidate stops working, AWSCURRENT never moves.
 */
export async function drillCanary(
  stack: LocalStack,
  pg: LocalPostgres,
  handlers: Record<string, LambdaHandler>,
): Promise<ExecutionReport[]> {
  const arn = await givenCanarySecret(stack, pg);
  return [await drillCanaryPromoted(stack, pg, handlers, arn), await drillCanaryAborted(stack, pg, handlers, arn)];
}

async function givenCanarySecret(stack: LocalStack, pg: LocalPostgres): Promise<string> {
  const masterArn = await secretArn(stack.client, 'db/master');
  await pg.admin('CREATE TABLE analytics_allowlist (usr text PRIMARY KEY)');
  await pg.admin("CREATE ROLE analytics_app LOGIN NOINHERIT PASSWORD 'analytics-initial-password'");
  await pg.admin('GRANT SELECT ON analytics_allowlist TO analytics_app');
  await pg.admin("INSERT INTO analytics_allowlist VALUES ('analytics_app'), ('analytics_app_clone')");
  const created = await stack.client.send(
    new CreateSecretCommand({
      Name: SECRET,
      SecretString: pg.secretValue('analytics_app', 'analytics-initial-password', { masterarn: masterArn }),
      Tags: Object.entries({ [ManagementTag.managed]: 'true', ...CANARY_TAGS }).map(([Key, Value]) => ({
        Key,
        Value,
      })),
    }),
  );
  const arn = created.ARN as string;
  await rotateNow(stack, arn); // rotation on (and the clone user made), as the policy's deployment leaves it
  return arn;
}

async function canaryCandidate(stack: LocalStack, arn: string): Promise<DbSecret> {
  const out = await stack.client.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: DEFAULT_CANARY_LABEL }));
  return JSON.parse(out.SecretString as string) as DbSecret;
}

/** The real CanaryCheck, after `during` has looked at (or broken) the candidate the cohort reads. */
function aroundCanaryCheck(
  stack: LocalStack,
  pg: LocalPostgres,
  handlers: Record<string, LambdaHandler>,
  arn: string,
  observations: HoldObservation[],
  during: (candidate: DbSecret) => Promise<void> = () => Promise.resolve(),
): LambdaHandler {
  return async (input) => {
    const { FunctionName, Payload } = input as { FunctionName: string; Payload: unknown };
    const candidate = await canaryCandidate(stack, arn);
    const current = JSON.parse(await value(stack.client, arn, 'AWSCURRENT')) as DbSecret;
    observations.push({
      candidate,
      candidateLogsIn: await pg.canLogin(candidate.username, candidate.password),
      currentLogsIn: await pg.canLogin(current.username, current.password),
    });
    await during(candidate);
    return { Payload: await (handlers[FunctionName] as LambdaHandler)(Payload) };
  };
}

const labelsOf = async (stack: LocalStack, arn: string): Promise<string[]> =>
  (await versions(stack.client, arn)).flatMap((v) => v.stages);

async function drillCanaryPromoted(
  stack: LocalStack,
  pg: LocalPostgres,
  handlers: Record<string, LambdaHandler>,
  arn: string,
): Promise<ExecutionReport> {
  const before = JSON.parse(await value(stack.client, arn, 'AWSCURRENT')) as DbSecret;
  const held: HoldObservation[] = [];
  return runExecution(
    stack,
    handlers,
    'lifecycle',
    `${SECRET} (canary ${DEFAULT_CANARY_LABEL}: held, promoted)`,
    { secretArn: arn, trigger: 'on-demand' },
    async () => {
      const after = JSON.parse(await value(stack.client, arn, 'AWSCURRENT')) as DbSecret;
      const candidate = held[0]?.candidate;
      return [
        {
          passed: held.length === 2 && held.every((h) => h.candidateLogsIn && h.currentLogsIn),
          text: `during the hold (2 checks): the candidate under ${DEFAULT_CANARY_LABEL} (${candidate?.username ?? '?'}) and AWSCURRENT (${before.username}) both log in`,
        },
        {
          passed:
            candidate !== undefined && after.username === candidate.username && after.password === candidate.password,
          text: 'promoted through RotateSecret: AWSCURRENT holds exactly the value the cohort used',
        },
        ...(await afterPromotion(stack, pg, arn, before)),
      ];
    },
    { taskOverrides: { CanaryCheck: aroundCanaryCheck(stack, pg, handlers, arn, held) } },
  );
}

async function afterPromotion(stack: LocalStack, pg: LocalPostgres, arn: string, before: DbSecret): Promise<Check[]> {
  const promoted = stack.eventBridge
    .events()
    .some((e) => e.detail.secretArn === arn && e.detailType === AuditEventType.CanaryPromoted);
  return [
    {
      passed: !(await labelsOf(stack, arn)).includes(DEFAULT_CANARY_LABEL) && promoted,
      text: `the label came off after Verify (CanaryPromoted): the cohort falls back to AWSCURRENT, the same value`,
    },
    {
      passed: !(await pg.canLogin(before.username, before.password)),
      text: `${before.username}, the user before the canary, was revoked after the grace window`,
    },
  ];
}

async function drillCanaryAborted(
  stack: LocalStack,
  pg: LocalPostgres,
  handlers: Record<string, LambdaHandler>,
  arn: string,
): Promise<ExecutionReport> {
  const current = (await versions(stack.client, arn)).find((v) => v.stages.includes('AWSCURRENT'))?.versionId;
  const currentValue = JSON.parse(await value(stack.client, arn, 'AWSCURRENT')) as DbSecret;
  const held: HoldObservation[] = [];
  // A bad change during the hold: the candidate is taken off the app's allowlist, so its probe fails.
  const breakCandidate = (candidate: DbSecret) =>
    pg.admin('DELETE FROM analytics_allowlist WHERE usr = $1', [candidate.username]).then(() => undefined);
  return runExecution(
    stack,
    handlers,
    'lifecycle',
    `${SECRET} (canary: probe fails in the hold, aborted)`,
    { secretArn: arn, trigger: 'on-demand' },
    async () => {
      const candidate = held[0]?.candidate;
      const labels = await labelsOf(stack, arn);
      const stillCurrent = (await versions(stack.client, arn)).find((v) => v.stages.includes('AWSCURRENT'))?.versionId;
      const aborted = stack.eventBridge
        .events()
        .find((e) => e.detail.secretArn === arn && e.detailType === AuditEventType.CanaryAborted);
      return [
        {
          passed: held[0]?.candidateLogsIn === true,
          text: `the candidate (${candidate?.username ?? '?'}) logged in at the first check, then, taken off the app's allowlist, failed the probe`,
        },
        {
          passed: candidate !== undefined && !(await pg.canLogin(candidate.username, candidate.password)),
          text: 'aborted (CanaryAborted, status revoked): the candidate password is rejected now',
        },
        {
          passed:
            stillCurrent === current &&
            (await pg.canLogin(currentValue.username, currentValue.password)) &&
            aborted?.detail.status === 'revoked',
          text: `AWSCURRENT untouched: still version ${current?.slice(0, 8) ?? '?'}, ${currentValue.username} still logs in`,
        },
        {
          passed: !labels.includes('AWSPENDING') && !labels.includes(DEFAULT_CANARY_LABEL),
          text: `no AWSPENDING, no ${DEFAULT_CANARY_LABEL} left: the next rotation can start`,
        },
      ];
    },
    { taskOverrides: { CanaryCheck: aroundCanaryCheck(stack, pg, handlers, arn, held, breakCandidate) } },
  );
}
