/**
 * Where RDS and Aurora publish a database's logs in CloudWatch Logs (the "log exports"): one log
 * group per DB instance (RDS) or DB cluster (Aurora, Multi-AZ clusters) and log type,
 * `/aws/rds/instance/<id>/<type>` or `/aws/rds/cluster/<id>/<type>`, one log stream per DB
 * instance, named after it. PostgreSQL's log type is `postgresql`; the MySQL and MariaDB error
 * log's is `error`.
 */
export type RdsLogGroupOwner = { readonly kind: 'instance' | 'cluster'; readonly identifier: string };

export type RdsLogType = 'postgresql' | 'error';

export function rdsLogGroupName(owner: RdsLogGroupOwner, logType: RdsLogType): string {
  return `/aws/rds/${owner.kind}/${owner.identifier.toLowerCase()}/${logType}`;
}

/** The log type that carries failed logins for an RDS engine name, or undefined for an engine keyturn does not read. */
export function authFailureLogType(engine: string): RdsLogType | undefined {
  if (engine === 'postgres' || engine === 'aurora-postgresql') return 'postgresql';
  if (['mysql', 'mariadb', 'aurora-mysql', 'aurora'].includes(engine)) return 'error';
  return undefined;
}
