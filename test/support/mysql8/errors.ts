/**
 * The MySQL 8 server errors the double answers with: the real error numbers, SQLSTATEs and
 * message texts (MySQL Server Error Message Reference,
 * https://dev.mysql.com/doc/mysql-errors/8.0/en/server-error-reference.html, and the server's
 * share/messages_to_clients.txt, where an error without a SQLSTATE is HY000). mysql2 turns the
 * number into the `code` name (ER_…) the strategy code reads.
 */
export class MysqlServerError extends Error {
  constructor(
    readonly errno: number,
    readonly sqlState: string,
    message: string,
  ) {
    super(message);
  }
}

const q = (account: { user: string; host: string }) => `'${account.user}'@'${account.host}'`;
const bq = (account: { user: string; host: string }) => `\`${account.user}\`@\`${account.host}\``;

type Account = { user: string; host: string };

export const ServerErrors = {
  accessDenied: (a: Account, usingPassword: boolean) =>
    new MysqlServerError(
      1045,
      '28000',
      `Access denied for user ${q(a)} (using password: ${usingPassword ? 'YES' : 'NO'})`,
    ),
  dbAccessDenied: (a: Account, db: string) =>
    new MysqlServerError(1044, '42000', `Access denied for user ${q(a)} to database '${db}'`),
  badDb: (db: string) => new MysqlServerError(1049, '42000', `Unknown database '${db}'`),
  accountLocked: (a: Account) =>
    new MysqlServerError(3118, 'HY000', `Access denied for user ${q(a)}. Account is locked.`),
  /** ER_USER_ACCESS_DENIED_FOR_USER_ACCOUNT_BLOCKED_BY_PASSWORD_LOCK; UNBOUNDED prints "unlimited". */
  blockedByPasswordLock: (a: Account, days: number | 'unlimited', remaining: number | 'unlimited', failures: number) =>
    new MysqlServerError(
      3955,
      'HY000',
      `Access denied for user ${q(a)}. Account is blocked for ${days} day(s) (${remaining} day(s) remaining) due to ${failures} consecutive failed logins.`,
    ),
  parse: (near: string) =>
    new MysqlServerError(
      1064,
      '42000',
      `You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '${near.slice(0, 80)}' at line 1`,
    ),
  notSupportedYet: (what: string) =>
    new MysqlServerError(1235, '42000', `This version of MySQL doesn't yet support '${what}'`),
  specificAccessDenied: (privileges: string) =>
    new MysqlServerError(
      1227,
      '42000',
      `Access denied; you need (at least one of) the ${privileges} privilege(s) for this operation`,
    ),
  tableAccessDenied: (command: string, a: Account, table: string) =>
    new MysqlServerError(1142, '42000', `${command} command denied to user ${q(a)} for table '${table}'`),
  noSuchTable: (db: string, table: string) =>
    new MysqlServerError(1146, '42S02', `Table '${db}.${table}' doesn't exist`),
  badField: (column: string, where: string) =>
    new MysqlServerError(1054, '42S22', `Unknown column '${column}' in '${where}'`),
  noDatabaseSelected: () => new MysqlServerError(1046, '3D000', 'No database selected'),
  cannotUser: (operation: string, accounts: string) =>
    new MysqlServerError(1396, 'HY000', `Operation ${operation} failed for ${accounts}`),
  noSuchGrant: (a: Account) =>
    new MysqlServerError(1141, '42000', `There is no such grant defined for user '${a.user}' on host '${a.host}'`),
  illegalGrantForTable: () =>
    new MysqlServerError(
      1144,
      '42000',
      'Illegal GRANT/REVOKE command; please consult the manual to see which privileges can be used',
    ),
  routineDoesNotExist: (type: string, name: string) =>
    new MysqlServerError(1305, '42000', `${type} ${name} does not exist`),
  unknownAuthId: (a: Account) => new MysqlServerError(3523, 'HY000', `Unknown authorization ID ${bq(a)}`),
  roleNotGranted: (role: Account, to: Account) =>
    new MysqlServerError(3530, 'HY000', `${bq(role)} is not granted to ${bq(to)}`),
  incorrectCurrentPassword: () =>
    new MysqlServerError(
      3891,
      'HY000',
      'Incorrect current password. Specify the correct password which has to be replaced.',
    ),
  missingCurrentPassword: () =>
    new MysqlServerError(
      3892,
      'HY000',
      'Current password needs to be specified in the REPLACE clause in order to change it.',
    ),
  currentPasswordNotRequired: () =>
    new MysqlServerError(3893, 'HY000', 'Do not specify the current password while changing it for other users.'),
  cannotRetainOnPluginChange: (a: Account) =>
    new MysqlServerError(
      3894,
      'HY000',
      `Current password can not be retained for user ${q(a)} because authentication plugin is being changed.`,
    ),
  cannotRetainEmptyNew: (a: Account) =>
    new MysqlServerError(
      3895,
      'HY000',
      `Current password can not be retained for user ${q(a)} because new password is empty.`,
    ),
  secondPasswordCannotBeEmpty: (a: Account) =>
    new MysqlServerError(3878, 'HY000', `Empty password can not be retained as second password for user ${q(a)}.`),
  contradictsHistory: (a: Account) =>
    new MysqlServerError(
      3638,
      'HY000',
      `Cannot use these credentials for '${a.user}@${a.host}' because they contradict the password history policy`,
    ),
  pluginNotLoaded: (plugin: string) => new MysqlServerError(1524, 'HY000', `Plugin '${plugin}' is not loaded`),
  passwordFormat: () => new MysqlServerError(1827, 'HY000', "The password hash doesn't have the expected format."),
  unknownSystemVariable: (name: string) => new MysqlServerError(1193, 'HY000', `Unknown system variable '${name}'`),
  globalVariable: (name: string) =>
    new MysqlServerError(1229, 'HY000', `Variable '${name}' is a GLOBAL variable and should be set with SET GLOBAL`),
  wrongValueForVariable: (name: string, value: string) =>
    new MysqlServerError(1231, '42000', `Variable '${name}' can't be set to the value of '${value}'`),
  noSuchThread: (id: number) => new MysqlServerError(1094, 'HY000', `Unknown thread id: ${id}`),
  killDenied: (id: number) => new MysqlServerError(1095, 'HY000', `You are not owner of thread ${id}`),
  queryInterrupted: () => new MysqlServerError(1317, '70100', 'Query execution was interrupted'),
  readOnlyTransaction: () =>
    new MysqlServerError(1792, '25006', 'Cannot execute statement in a READ ONLY transaction.'),
  derivedNeedsAlias: () => new MysqlServerError(1248, '42000', 'Every derived table must have its own alias'),
  userLockWrongName: (name: string) => new MysqlServerError(3057, '42000', `Incorrect user-level lock name '${name}'.`),
  unknownFunction: (name: string) => new MysqlServerError(1305, '42000', `FUNCTION ${name} does not exist`),
  wrongParamCount: (name: string) =>
    new MysqlServerError(1582, '42000', `Incorrect parameter count in the call to native function '${name}'`),
  wrongArguments: () => new MysqlServerError(1210, 'HY000', 'Incorrect arguments to mysqld_stmt_execute'),
  unknownStatement: (id: number) =>
    new MysqlServerError(1243, 'HY000', `Unknown prepared statement handler (${id}) given to mysqld_stmt_execute`),
  unknownCommand: () => new MysqlServerError(1047, '08S01', 'Unknown command'),
  databaseExists: (db: string) => new MysqlServerError(1007, 'HY000', `Can't create database '${db}'; database exists`),
  tableExists: (table: string) => new MysqlServerError(1050, '42S01', `Table '${table}' already exists`),
  grantWithoutUser: () => new MysqlServerError(1410, '42000', 'You are not allowed to create a user with GRANT'),
} as const;
