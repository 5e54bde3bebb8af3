import { RdsFaults } from '../../../local/rds/faults';
import { RdsState } from '../../../local/rds/state';

const location = { region: 'us-east-1', accountId: '123456789012' };
let state: RdsState;

/** What `fn` throws (undefined when it returns). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

beforeEach(() => {
  state = new RdsState(location, () => new Date('2026-11-22T00:00:00Z'));
});

describe('local RDS model', () => {
  it('stores identifiers in lower case and finds them by identifier or ARN', () => {
    state.putInstance({ identifier: 'Orders', engine: 'postgres' });
    expect(state.requireInstance('orders').identifier).toBe('orders');
    expect(state.requireInstance('arn:aws:rds:us-east-1:123456789012:db:orders').identifier).toBe('orders');
    expect(state.instanceArn('orders')).toBe('arn:aws:rds:us-east-1:123456789012:db:orders');
  });

  it('refuses fixtures with invalid identifiers, and members of a cluster that does not exist', () => {
    expect(thrown(() => state.putInstance({ identifier: 'a--b', engine: 'postgres' }))).toBeInstanceOf(RangeError);
    expect(() => state.putInstance({ identifier: 'a', engine: 'postgres', clusterIdentifier: 'nope' })).toThrow(
      /add it before its instances/,
    );
  });

  it('answers DBInstanceNotFound / DBClusterNotFoundFault (HTTP 404) for unknown identifiers', () => {
    expect(thrown(() => state.describeInstances('gone', []))).toMatchObject({
      name: 'DBInstanceNotFound',
      httpStatus: 404,
      message: 'DBInstance gone not found.',
    });
    expect(thrown(() => state.describeClusters('gone', []))).toMatchObject({
      name: 'DBClusterNotFoundFault',
      httpStatus: 404,
    });
    expect(thrown(() => state.describeInstances('bad_id', []))).toMatchObject({ name: 'InvalidParameterValue' });
  });

  it("derives a cluster's members: the first added is the writer unless one is named", () => {
    state.putCluster({ identifier: 'c1', engine: 'aurora-postgresql' });
    state.putInstance({ identifier: 'c1-a', engine: 'aurora-postgresql', clusterIdentifier: 'c1' });
    state.putInstance({ identifier: 'c1-b', engine: 'aurora-postgresql', clusterIdentifier: 'c1' });
    expect(state.membersOf('c1').map((m) => [m.instance.identifier, m.writer])).toEqual([
      ['c1-a', true],
      ['c1-b', false],
    ]);
    state.putInstance({ identifier: 'c1-b', engine: 'aurora-postgresql', clusterIdentifier: 'c1', writer: true });
    expect(state.membersOf('c1').find((m) => m.writer)?.instance.identifier).toBe('c1-b');
  });

  it('derives read replicas on their source, from an identifier or an ARN', () => {
    state.putInstance({ identifier: 'orders', engine: 'postgres' });
    state.putInstance({ identifier: 'r1', engine: 'postgres', replicaSourceIdentifier: 'orders' });
    state.putInstance({ identifier: 'r2', engine: 'postgres', replicaSourceIdentifier: state.instanceArn('orders') });
    state.putCluster({ identifier: 'c1', engine: 'aurora-postgresql' });
    state.putCluster({
      identifier: 'c2',
      engine: 'aurora-postgresql',
      replicationSourceIdentifier: state.clusterArn('c1'),
    });
    expect(state.instanceReplicasOf('orders').map((i) => i.identifier)).toEqual(['r1', 'r2']);
    expect(state.clusterReplicasOf('cluster', 'c1').map((c) => c.identifier)).toEqual(['c2']);
  });

  it('filters instances by db-cluster-id, db-instance-id (identifiers or ARNs) and engine', () => {
    state.putCluster({ identifier: 'c1', engine: 'aurora-mysql' });
    state.putInstance({ identifier: 'c1-a', engine: 'aurora-mysql', clusterIdentifier: 'c1' });
    state.putInstance({ identifier: 'solo', engine: 'postgres' });
    const ids = (filters: { name: string; values: string[] }[]) =>
      state.describeInstances(undefined, filters).map((i) => i.identifier);
    expect(ids([{ name: 'db-cluster-id', values: ['c1'] }])).toEqual(['c1-a']);
    expect(ids([{ name: 'db-cluster-id', values: [state.clusterArn('c1')] }])).toEqual(['c1-a']);
    expect(ids([{ name: 'db-instance-id', values: ['solo', 'c1-a'] }])).toEqual(['c1-a', 'solo']);
    expect(ids([{ name: 'engine', values: ['postgres'] }])).toEqual(['solo']);
    expect(ids([])).toEqual(['c1-a', 'solo']);
  });

  it('removes a cluster together with its instances, and changes statuses', () => {
    state.putCluster({ identifier: 'c1', engine: 'aurora-postgresql' });
    state.putInstance({ identifier: 'c1-a', engine: 'aurora-postgresql', clusterIdentifier: 'c1' });
    state.setClusterStatus('c1', 'stopped');
    expect(state.requireCluster('c1').status).toBe('stopped');
    state.removeCluster('c1');
    expect(state.describeInstances(undefined, [])).toEqual([]);
  });
});

describe('local RDS faults', () => {
  it('fails the next calls with the planned code, AccessDenied as IAM words it', () => {
    const faults = new RdsFaults();
    faults.failNext('DescribeDBInstances', 2, 'AccessDenied');
    expect(faults.take('DescribeDBInstances')).toMatchObject({ name: 'AccessDenied', httpStatus: 403 });
    expect(faults.take('DescribeDBClusters')).toBeUndefined();
    expect(faults.take('DescribeDBInstances')?.message).toMatch(/not authorized to perform: rds:DescribeDBInstances/);
    expect(faults.take('DescribeDBInstances')).toBeUndefined();
    expect(() => {
      faults.failNext('DeleteDBInstance' as 'DescribeDBInstances');
    }).toThrow(RangeError);
  });
});
