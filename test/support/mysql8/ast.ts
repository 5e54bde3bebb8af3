/** The statements the double understands, as its parser reads them (parser.ts). */

export interface AccountName {
  readonly user: string;
  /** '%' when the statement names only a user (MySQL's default host part). */
  readonly host: string;
}

/** An account in a statement: a name, or CURRENT_USER / CURRENT_USER() / USER() (ALTER USER USER()). */
export type AccountRef = AccountName | { readonly current: true };

export type Expr =
  | { readonly kind: 'literal'; readonly value: string | number | null }
  | { readonly kind: 'param'; readonly index: number }
  | { readonly kind: 'sysvar'; readonly scope: 'SESSION' | 'GLOBAL' | undefined; readonly name: string }
  | { readonly kind: 'uservar'; readonly name: string }
  | { readonly kind: 'column'; readonly table?: string; readonly name: string }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly Expr[]; readonly star?: boolean }
  | {
      readonly kind: 'trim';
      readonly side: 'BOTH' | 'LEADING' | 'TRAILING';
      readonly remove?: Expr;
      readonly from: Expr;
    }
  | { readonly kind: 'unary'; readonly op: 'NOT' | '-'; readonly operand: Expr }
  | { readonly kind: 'binary'; readonly op: string; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'in'; readonly negated: boolean; readonly operand: Expr; readonly list: readonly Expr[] }
  | { readonly kind: 'isnull'; readonly negated: boolean; readonly operand: Expr };

export type TableRef =
  | { readonly kind: 'table'; readonly db?: string; readonly name: string; readonly alias?: string }
  | { readonly kind: 'derived'; readonly select: SelectStatement; readonly alias: string };

export interface SelectStatement {
  readonly type: 'select';
  /** MAX_EXECUTION_TIME(ms) from an optimizer hint. */
  readonly maxExecutionTimeMs?: number;
  readonly items: readonly { readonly expr: Expr; readonly alias?: string; readonly star?: boolean }[];
  readonly from?: TableRef;
  readonly where?: Expr;
  readonly limit?: number;
}

export interface AuthOption {
  /** IDENTIFIED WITH <plugin>. */
  readonly plugin?: string;
  /** IDENTIFIED [WITH p] BY 'password'. */
  readonly password?: string;
  /** IDENTIFIED WITH p AS 'stored hash'. */
  readonly hash?: string;
  /** REPLACE 'current'. */
  readonly replace?: string;
  readonly retainCurrent?: boolean;
}

export interface UserSpec {
  readonly account: AccountRef;
  readonly auth?: AuthOption;
  readonly discardOldPassword?: boolean;
}

export interface AccountOptions {
  readonly require?: {
    readonly type: 'NONE' | 'SSL' | 'X509' | 'SPECIFIED';
    readonly issuer?: string;
    readonly subject?: string;
    readonly cipher?: string;
  };
  readonly limits?: Readonly<
    Partial<
      Record<
        'MAX_QUERIES_PER_HOUR' | 'MAX_UPDATES_PER_HOUR' | 'MAX_CONNECTIONS_PER_HOUR' | 'MAX_USER_CONNECTIONS',
        number
      >
    >
  >;
  readonly lock?: boolean;
  readonly failedLoginAttempts?: number;
  /** Days, or 'UNBOUNDED'. */
  readonly passwordLockTime?: number | 'UNBOUNDED';
  /** PASSWORD HISTORY n | DEFAULT (undefined in the value: DEFAULT). */
  readonly passwordHistory?: { readonly value?: number };
  readonly passwordReuseInterval?: { readonly value?: number };
  /** PASSWORD REQUIRE CURRENT [DEFAULT | OPTIONAL]. */
  readonly requireCurrent?: 'Y' | 'N' | 'DEFAULT';
  readonly passwordExpire?: string;
}

export type RoleList = 'NONE' | 'ALL' | readonly AccountName[];

export interface PrivilegeSpec {
  readonly name: string;
  readonly columns?: readonly string[];
}

export interface GrantObject {
  /** '' for tables and databases; PROCEDURE or FUNCTION for routines. */
  readonly type: '' | 'PROCEDURE' | 'FUNCTION';
  /** '*' for every database; undefined in `*` (the current database). */
  readonly db: string;
  readonly table: string;
}

export type Statement =
  | SelectStatement
  | { readonly type: 'show-grants'; readonly account?: AccountRef; readonly using?: readonly AccountName[] }
  | { readonly type: 'show-create-user'; readonly account: AccountRef }
  | {
      readonly type: 'create-user';
      readonly ifNotExists: boolean;
      readonly users: readonly UserSpec[];
      readonly defaultRoles?: readonly AccountName[];
      readonly options: AccountOptions;
    }
  | {
      readonly type: 'alter-user';
      readonly ifExists: boolean;
      readonly users: readonly UserSpec[];
      readonly defaultRole?: RoleList;
      readonly options: AccountOptions;
    }
  | { readonly type: 'create-role'; readonly ifNotExists: boolean; readonly roles: readonly AccountName[] }
  | {
      readonly type: 'drop-user';
      readonly ifExists: boolean;
      readonly accounts: readonly AccountName[];
      readonly role: boolean;
    }
  | {
      readonly type: 'grant-privileges';
      readonly privileges: readonly PrivilegeSpec[];
      readonly all: boolean;
      readonly object: GrantObject;
      readonly to: readonly AccountRef[];
      readonly withGrantOption: boolean;
    }
  | {
      readonly type: 'grant-roles';
      readonly roles: readonly AccountName[];
      readonly to: readonly AccountRef[];
      readonly withAdminOption: boolean;
    }
  | {
      readonly type: 'grant-proxy';
      readonly proxied: AccountName;
      readonly to: readonly AccountRef[];
      readonly withGrantOption: boolean;
    }
  | {
      readonly type: 'revoke-privileges';
      readonly privileges: readonly PrivilegeSpec[];
      readonly all: boolean;
      readonly grantOption: boolean;
      readonly object: GrantObject;
      readonly from: readonly AccountRef[];
    }
  | { readonly type: 'revoke-all'; readonly from: readonly AccountRef[] }
  | { readonly type: 'revoke-roles'; readonly roles: readonly AccountName[]; readonly from: readonly AccountRef[] }
  | { readonly type: 'revoke-proxy'; readonly proxied: AccountName; readonly from: readonly AccountRef[] }
  | { readonly type: 'set-default-role'; readonly roles: RoleList; readonly to: readonly AccountRef[] }
  | { readonly type: 'set-role'; readonly roles: RoleList | 'DEFAULT' }
  | {
      readonly type: 'set-password';
      readonly account?: AccountRef;
      readonly password: string;
      readonly replace?: string;
      readonly retainCurrent: boolean;
    }
  | {
      readonly type: 'set';
      readonly assignments: readonly {
        readonly scope: 'SESSION' | 'GLOBAL' | 'USER';
        readonly name: string;
        readonly value: Expr;
      }[];
    }
  | { readonly type: 'set-transaction'; readonly readOnly: boolean }
  | { readonly type: 'kill'; readonly query: boolean; readonly id: Expr }
  | { readonly type: 'start-transaction'; readonly readOnly: boolean }
  | { readonly type: 'commit' }
  | { readonly type: 'rollback' }
  | { readonly type: 'flush-privileges' }
  | { readonly type: 'create-database'; readonly ifNotExists: boolean; readonly name: string }
  | { readonly type: 'create-table'; readonly db?: string; readonly name: string; readonly columns: readonly string[] }
  | {
      readonly type: 'create-routine';
      readonly routine: 'PROCEDURE' | 'FUNCTION';
      readonly db?: string;
      readonly name: string;
    }
  | { readonly type: 'use'; readonly db: string };
