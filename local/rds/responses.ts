import { defaultPortOf, resourceId, type RdsState, type StoredCluster, type StoredInstance } from './state';
import { element, listElement, optionalElement } from './xml';

/**
 * The inner XML of DescribeDBInstancesResult / DescribeDBClustersResult, with the member names
 * of RDS's model (`<DBInstances><DBInstance>`, `<DBClusterMembers><DBClusterMember>`,
 * `<ReadReplicaDBInstanceIdentifiers><ReadReplicaDBInstanceIdentifier>`, `<CustomEndpoints><member>`).
 * Derived fields (members, replicas) come from the model at describe time.
 */

const isPostgres = (engine: string) => engine.includes('postgres');

function masterUserSecret(arn: string | undefined): string {
  if (arn === undefined) return '';
  return `<MasterUserSecret>${element('SecretArn', arn)}${element('SecretStatus', 'active')}</MasterUserSecret>`;
}

export function instanceXml(state: RdsState, instance: StoredInstance): string {
  const id = instance.identifier;
  const address = instance.endpoint?.address ?? state.defaultHost(id, 'instance');
  const port = instance.endpoint?.port ?? defaultPortOf(instance.engine);
  const replicas = state.instanceReplicasOf(id).map((r) => r.identifier);
  const clusterReplicas = state.clusterReplicasOf('db', id).map((c) => state.clusterArn(c.identifier));
  const hasEndpoint = instance.status !== 'creating';
  return (
    '<DBInstance>' +
    element('DBInstanceIdentifier', id) +
    element('DBInstanceClass', instance.instanceClass ?? 'db.t4g.micro') +
    element('Engine', instance.engine) +
    element('DBInstanceStatus', instance.status) +
    element('MasterUsername', instance.masterUsername ?? (isPostgres(instance.engine) ? 'postgres' : 'admin')) +
    optionalElement('DBName', instance.dbName) +
    (hasEndpoint
      ? `<Endpoint>${element('Address', address)}${element('Port', String(port))}${element('HostedZoneId', 'Z2R2ITUGPM61AM')}</Endpoint>`
      : '') +
    element('AllocatedStorage', '20') +
    element('InstanceCreateTime', instance.createdAt.toISOString()) +
    element('MultiAZ', 'false') +
    element('EngineVersion', instance.engineVersion ?? (isPostgres(instance.engine) ? '16.4' : '8.0.39')) +
    optionalElement('ReadReplicaSourceDBInstanceIdentifier', instance.replicaSourceIdentifier) +
    listElement('ReadReplicaDBInstanceIdentifiers', 'ReadReplicaDBInstanceIdentifier', replicas) +
    listElement('ReadReplicaDBClusterIdentifiers', 'ReadReplicaDBClusterIdentifier', clusterReplicas) +
    optionalElement('ReadReplicaSourceDBClusterIdentifier', instance.replicaSourceClusterIdentifier) +
    element('PubliclyAccessible', 'false') +
    element('StorageEncrypted', 'true') +
    optionalElement('DBClusterIdentifier', instance.clusterIdentifier) +
    element('DbiResourceId', resourceId('db', id)) +
    element('DBInstanceArn', state.instanceArn(id)) +
    element('IAMDatabaseAuthenticationEnabled', 'false') +
    masterUserSecret(instance.masterUserSecretArn) +
    '<TagList></TagList>' +
    '</DBInstance>'
  );
}

export function clusterXml(state: RdsState, cluster: StoredCluster): string {
  const id = cluster.identifier;
  const members = state
    .membersOf(id)
    .map(
      ({ instance, writer }) =>
        '<DBClusterMember>' +
        element('DBInstanceIdentifier', instance.identifier) +
        element('IsClusterWriter', String(writer)) +
        element('DBClusterParameterGroupStatus', 'in-sync') +
        element('PromotionTier', '1') +
        '</DBClusterMember>',
    )
    .join('');
  const replicas = [
    ...state.clusterReplicasOf('cluster', id).map((c) => state.clusterArn(c.identifier)),
    ...state.instanceReplicasOfCluster(id).map((i) => state.instanceArn(i.identifier)),
  ];
  return (
    '<DBCluster>' +
    element('DBClusterIdentifier', id) +
    element('Status', cluster.status) +
    element('Engine', cluster.engine) +
    element(
      'EngineVersion',
      cluster.engineVersion ?? (isPostgres(cluster.engine) ? '16.4' : '8.0.mysql_aurora.3.08.0'),
    ) +
    element('Endpoint', cluster.endpoint ?? state.defaultHost(id, 'cluster')) +
    element('ReaderEndpoint', cluster.readerEndpoint ?? state.defaultHost(id, 'cluster-ro')) +
    (cluster.customEndpoints && cluster.customEndpoints.length > 0
      ? listElement('CustomEndpoints', 'member', cluster.customEndpoints)
      : '') +
    element('MultiAZ', String(members.length > 1)) +
    element('Port', String(cluster.port ?? defaultPortOf(cluster.engine))) +
    element('MasterUsername', cluster.masterUsername ?? (isPostgres(cluster.engine) ? 'postgres' : 'admin')) +
    optionalElement('DatabaseName', cluster.databaseName) +
    optionalElement('ReplicationSourceIdentifier', cluster.replicationSourceIdentifier) +
    listElement('ReadReplicaIdentifiers', 'ReadReplicaIdentifier', replicas) +
    `<DBClusterMembers>${members}</DBClusterMembers>` +
    element('StorageEncrypted', 'true') +
    element('DbClusterResourceId', resourceId('cluster', id)) +
    element('DBClusterArn', state.clusterArn(id)) +
    element('ClusterCreateTime', cluster.createdAt.toISOString()) +
    masterUserSecret(cluster.masterUserSecretArn) +
    '<TagList></TagList>' +
    '</DBCluster>'
  );
}

export function describeDBInstancesResult(
  state: RdsState,
  instances: readonly StoredInstance[],
  marker?: string,
): string {
  return (
    `<DBInstances>${instances.map((i) => instanceXml(state, i)).join('')}</DBInstances>` +
    optionalElement('Marker', marker)
  );
}

export function describeDBClustersResult(state: RdsState, clusters: readonly StoredCluster[], marker?: string): string {
  return (
    `<DBClusters>${clusters.map((c) => clusterXml(state, c)).join('')}</DBClusters>` + optionalElement('Marker', marker)
  );
}
