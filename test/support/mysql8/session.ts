import type { AccountName } from './ast';
import type { Account } from './accounts';

export type Value = string | number | null;

/**
 * One client session: who it authenticated as, its session variables and transaction, and what
 * the process list shows of it (MySQL 8.0 Reference Manual, "The INFORMATION_SCHEMA PROCESSLIST
 * Table", https://dev.mysql.com/doc/refman/8.0/en/information-schema-processlist-table.html).
 */
export class Session {
  db: string | undefined;
  sqlMode: string;
  readonly userVariables = new Map<string, Value>();
  maxExecutionTimeMs = 0;
  autocommit = 1;
  transaction: { readonly readOnly: boolean } | undefined;
  /** The next transaction's access mode (SET TRANSACTION READ ONLY). */
  nextTransactionReadOnly = false;
  activeRoles: AccountName[];
  command: 'Sleep' | 'Query' | 'Killed' = 'Sleep';
  info: string | null = null;
  stateSinceMs: number;
  /** Set by KILL QUERY / KILL CONNECTION: a waiting statement gives up. */
  interrupt: (() => void) | undefined;

  constructor(
    readonly id: number,
    /** The account the login resolved to (CURRENT_USER()). */
    readonly account: Account,
    /** The user name the client sent (USER()). */
    readonly clientUser: string,
    readonly clientHost: string,
    readonly tls: boolean,
    defaultSqlMode: string,
    now: number,
    /** Ends the connection (KILL CONNECTION). */
    readonly disconnect: () => void,
  ) {
    this.sqlMode = defaultSqlMode;
    this.stateSinceMs = now;
    this.activeRoles = [...account.defaultRoles];
  }

  get accountName(): AccountName {
    return { user: this.account.user, host: this.account.host };
  }

  /** The user and host the client connected as: what access-denied messages name. */
  get clientName(): AccountName {
    return { user: this.clientUser, host: this.clientHost };
  }

  get noBackslashEscapes(): boolean {
    return this.sqlMode.split(',').includes('NO_BACKSLASH_ESCAPES');
  }
}
