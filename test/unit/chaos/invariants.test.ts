import { checkInvariants, type Invariant } from '../../chaos/invariants';
import type { Observation } from '../../chaos/observe';
import { OUTPUT_SOURCES } from '../../chaos/outputs';

/**
 * The checker on hand-made observations: a clean one passes, and each broken invariant is found
 * (the harness's self-test plants the same violations end to end, on real servers).
 */

const PASSWORD = 'Zq3vT8mWk2LpR7nXc4HbY9sD6fGj1QaE';
const OLD_PASSWORD = 'Hk8sW2qLm5Np9RtVx3Cz7BfY1dGj4PaU';

function clean(overrides: Partial<Observation> = {}): Observation {
  return {
    number: 7,
    kind: 'pg-alternating',
    target: 'pg-alternating',
    secretExists: true,
    versions: [
      { versionId: 'v1', stages: [], value: JSON.stringify({ username: 'app', password: 'initial-password-1' }) },
      { versionId: 'v2', stages: ['AWSPREVIOUS'], value: JSON.stringify({ username: 'app', password: OLD_PASSWORD }) },
      {
        versionId: 'v3',
        stages: ['AWSCURRENT', 'AWSPENDING'],
        value: JSON.stringify({ username: 'app_clone', password: PASSWORD }),
      },
    ],
    everCurrent: ['v1', 'v2', 'v3'],
    priorCurrent: 'v2',
    recovered: true,
    currentAuthenticates: true,
    currentAuthenticatedBeforeRecovery: true,
    successSnapshots: [{ token: 'v3', current: 'v3', pending: 'v3' }],
    concurrentErrors: [],
    secretValues: [
      { what: 'the value of version v2', value: OLD_PASSWORD },
      { what: 'the value of version v3', value: PASSWORD },
      { what: 'the PostgreSQL master password', value: 'MasterPassword0123456789' },
    ],
    outputs: [
      { source: 'function-log', text: '{"level":"INFO","message":"password set","versionId":"v3"}' },
      { source: 'error', text: 'TargetUnreachableError: the database at 127.0.0.1:5432 refused the connection' },
    ],
    ...overrides,
  };
}

const invariants = (observation: Observation): Invariant[] =>
  checkInvariants(observation).map((violation) => violation.invariant);

describe('the chaos invariant checker', () => {
  it('finds nothing wrong in a clean observation', () => {
    expect(checkInvariants(clean())).toEqual([]);
  });

  it('finds a lockout, with or without a recovery', () => {
    expect(invariants(clean({ currentAuthenticates: false }))).toEqual(['lockout']);
    expect(checkInvariants(clean({ currentAuthenticates: false, recovered: false }))[0]?.detail).toMatch(
      /no rotation succeeded/,
    );
  });

  it('finds versions that once held AWSCURRENT and are gone, or the whole secret gone', () => {
    const versions = clean().versions.filter((version) => version.versionId !== 'v1');
    expect(checkInvariants(clean({ versions }))).toEqual([
      { invariant: 'lost-version', detail: 'version v1, once AWSCURRENT, no longer exists' },
    ]);
    expect(invariants(clean({ secretExists: false, versions: [] }))).toEqual(['lost-version']);
  });

  it('finds a secret value in any output, as is or escaped in JSON, and names it without showing it', () => {
    for (const source of OUTPUT_SOURCES) {
      const violations = checkInvariants(clean({ outputs: [{ source, text: `oops ${OLD_PASSWORD} oops` }] }));
      expect(violations).toEqual([{ invariant: 'leak', detail: `the value of version v2 appears in ${source}` }]);
      expect(JSON.stringify(violations)).not.toContain(OLD_PASSWORD);
    }
    const quoted = 'pass"word\\with-quotes';
    expect(
      invariants(
        clean({
          secretValues: [{ what: 'a random secret', value: quoted }],
          outputs: [{ source: 'audit-event', text: JSON.stringify({ detail: quoted }) }],
        }),
      ),
    ).toEqual(['leak']);
    expect(
      invariants(clean({ outputs: [{ source: 'alert', text: 'the master is MasterPassword0123456789' }] })),
    ).toEqual(['leak']);
  });

  it('finds AWSPENDING left on a version that is not AWSCURRENT after a success', () => {
    expect(invariants(clean({ successSnapshots: [{ token: 'v3', current: 'v3', pending: 'v2' }] }))).toEqual([
      'pending-left',
    ]);
    const versions = clean().versions.map((version) =>
      version.versionId === 'v2'
        ? { ...version, stages: ['AWSPREVIOUS', 'AWSPENDING'] }
        : { ...version, stages: version.stages.filter((s) => s !== 'AWSPENDING') },
    );
    expect(invariants(clean({ versions }))).toEqual(['pending-left']);
    // No success after the faults: a stuck AWSPENDING is expected then.
    expect(invariants(clean({ versions, recovered: false }))).toEqual([]);
  });

  it('finds AWSPREVIOUS on a version other than the AWSCURRENT before the last rotation', () => {
    expect(invariants(clean({ priorCurrent: 'v1' }))).toEqual(['previous-not-prior-current']);
  });

  it('finds an outage of a zero-downtime kind, and not of a single-user one', () => {
    expect(invariants(clean({ currentAuthenticatedBeforeRecovery: false }))).toEqual(['outage']);
    expect(
      invariants(clean({ target: 'pg-single', kind: 'pg-single', currentAuthenticatedBeforeRecovery: false })),
    ).toEqual([]);
  });

  it('finds errors that blame someone else or pass on a raw database race', () => {
    const outputs = [
      {
        source: 'error' as const,
        text: 'AuthenticationFailedError: user "app" rejected every credential: its password was changed outside keyturn; put the working password in AWSCURRENT and rotate again',
      },
    ];
    expect(invariants(clean({ outputs }))).toEqual(['misleading-error']);
    expect(
      invariants(
        clean({
          concurrentErrors: [{ source: 'twin setSecret', name: 'error', message: 'tuple concurrently updated' }],
        }),
      ),
    ).toEqual(['misleading-error']);
  });

  describe('for keys the target issues', () => {
    const key = (id: string, secret: string) => JSON.stringify({ accessKeyId: id, secretAccessKey: secret });
    const issued = (overrides: Partial<Observation> = {}): Observation =>
      clean({
        kind: 'iam-access-key',
        target: 'iam-access-key',
        versions: [
          { versionId: 'v2', stages: ['AWSPREVIOUS'], value: key('AKIAOLD0000000000001', OLD_PASSWORD) },
          { versionId: 'v3', stages: ['AWSCURRENT', 'AWSPENDING'], value: key('AKIANEW0000000000001', PASSWORD) },
        ],
        everCurrent: ['v2', 'v3'],
        issuedKeys: {
          cap: 2,
          keys: [
            { id: 'AKIAOLD0000000000001', active: false, heldBy: [['AWSPREVIOUS']] },
            { id: 'AKIANEW0000000000001', active: true, heldBy: [['AWSCURRENT', 'AWSPENDING']] },
          ],
        },
        ...overrides,
      });

    it('accepts every key held by a version, the quarantined one being AWSPREVIOUS', () => {
      expect(checkInvariants(issued())).toEqual([]);
    });

    it('finds a key no version holds, once recovered, naming its id', () => {
      const orphan = {
        cap: 2,
        keys: [
          { id: 'AKIANEW0000000000001', active: true, heldBy: [['AWSCURRENT', 'AWSPENDING']] },
          { id: 'AKIAORPHAN0000000001', active: true, heldBy: [] },
        ],
      };
      const violations = checkInvariants(issued({ issuedKeys: orphan }));
      expect(violations.map((violation) => violation.invariant)).toEqual(['orphan-key']);
      expect(violations[0]?.detail).toMatch(/AKIAORPHAN0000000001 .* held by no version/);
      // Before any recovery a crash may leave one: only a recovered scenario must have none.
      expect(invariants(issued({ issuedKeys: orphan, recovered: false }))).toEqual([]);
    });

    it('finds an inactive key that is not AWSPREVIOUS', () => {
      const keys = {
        cap: 2,
        keys: [
          { id: 'AKIAOLD0000000000001', active: true, heldBy: [['AWSPREVIOUS']] },
          { id: 'AKIANEW0000000000001', active: false, heldBy: [['AWSCURRENT', 'AWSPENDING']] },
        ],
      };
      expect(invariants(issued({ issuedKeys: keys }))).toEqual(['orphan-key']);
    });

    it('finds more keys than the target allows', () => {
      const keys = {
        cap: 1,
        keys: [
          { id: 'AKIAOLD0000000000001', active: true, heldBy: [['AWSPREVIOUS']] },
          { id: 'AKIANEW0000000000001', active: true, heldBy: [['AWSCURRENT']] },
        ],
      };
      expect(invariants(issued({ issuedKeys: keys }))).toEqual(['over-cap']);
    });
  });

  describe('canary cohorts and replicated secrets', () => {
    const seen = {
      canaryLabel: 'KEYTURN_CANARY',
      labelLeftOn: [],
      orphanCandidates: [],
      staleRevocations: [],
      halfMoved: [],
    };

    it('finds nothing when the canary and the replicas left everything in place', () => {
      const execution = {
        aborted: true,
        promoted: false,
        currentBefore: 'v3',
        currentAfter: 'v3',
        currentAfterAuthenticates: true,
      };
      expect(invariants(clean({ canaryReplica: { ...seen, execution } }))).toEqual([]);
    });

    it('finds an aborted canary that moved AWSCURRENT or left it not authenticating', () => {
      const moved = {
        aborted: true,
        promoted: false,
        currentBefore: 'v2',
        currentAfter: 'v3',
        currentAfterAuthenticates: true,
      };
      const broken = {
        aborted: true,
        promoted: false,
        currentBefore: 'v3',
        currentAfter: 'v3',
        currentAfterAuthenticates: false,
      };
      expect(invariants(clean({ canaryReplica: { ...seen, execution: moved } }))).toEqual(['canary-moved-current']);
      expect(invariants(clean({ canaryReplica: { ...seen, execution: broken } }))).toEqual(['canary-moved-current']);
    });

    it('finds a promotion that made another value current than the one canaried', () => {
      const execution = {
        aborted: false,
        promoted: true,
        currentAfter: 'v3',
        candidate: 'c1',
        currentHoldsCandidateValue: false,
      };
      expect(invariants(clean({ canaryReplica: { ...seen, execution } }))).toEqual(['canary-promoted-other']);
    });

    it('finds an orphan candidate, a label or AWSPENDING left, a stale region revoked and a half-moved region', () => {
      expect(invariants(clean({ canaryReplica: { ...seen, orphanCandidates: ['c1'] } }))).toEqual(['canary-orphan']);
      expect(invariants(clean({ canaryReplica: { ...seen, labelLeftOn: ['c1'] } }))).toEqual(['canary-left']);
      expect(invariants(clean({ canaryReplica: { ...seen, pendingLeftOn: 'v4' } }))).toEqual(['canary-left']);
      expect(invariants(clean({ canaryReplica: { ...seen, staleRevocations: ['eu-west-1 ...'] } }))).toEqual([
        'revoked-while-replica-stale',
      ]);
      expect(invariants(clean({ canaryReplica: { ...seen, halfMoved: ['eu-west-1 ...'] } }))).toEqual([
        'replica-half-moved',
      ]);
    });
  });
});
