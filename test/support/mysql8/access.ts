import type { AccountName } from './ast';
import type { Account, AccountStore } from './accounts';
import { accountKey, keyAccount, type Grants, type ResolvedObject } from './privileges';
import type { Session } from './session';

/**
 * What a session may do: its account's own grants plus those of its ACTIVE roles, and of the
 * roles granted to those, transitively (MySQL 8.0 Reference Manual, "Using Roles" → "Activating
 * Roles", https://dev.mysql.com/doc/refman/8.0/en/roles.html: a role granted but not active —
 * not a default role, not SET ROLE — gives nothing; activate_all_roles_on_login makes every
 * granted role active at login).
 */
export class Access {
  constructor(private readonly accounts: AccountStore) {}

  /** The grants that apply to the session now. */
  effectiveGrants(session: Session): Grants[] {
    const seen = new Set<string>();
    const result: Grants[] = [session.account.grants];
    const queue: AccountName[] = [...session.activeRoles];
    while (queue.length > 0) {
      const role = queue.shift() as AccountName;
      const key = accountKey(role);
      if (seen.has(key)) continue;
      seen.add(key);
      const account = this.accounts.get(role);
      if (!account) continue;
      result.push(account.grants);
      for (const inner of account.grants.roles.keys()) queue.push(keyAccount(inner));
    }
    return result;
  }

  has(session: Session, privilege: string, object: ResolvedObject): boolean {
    return this.effectiveGrants(session).some((g) => g.holds(privilege, object));
  }

  hasOnSomeColumn(session: Session, privilege: string, db: string, table: string): boolean {
    return this.effectiveGrants(session).some((g) => g.holdsOnSomeColumn(privilege, db, table));
  }

  hasGrantOption(session: Session, object: ResolvedObject, dynamicPrivilege?: string): boolean {
    return this.effectiveGrants(session).some((g) => g.holdsGrantOption(object, dynamicPrivilege));
  }

  hasGlobal(session: Session, privilege: string): boolean {
    return this.has(session, privilege, { level: 'global' });
  }

  /** CREATE USER, or UPDATE on the mysql schema: may change any account's credentials. */
  maySetCredentials(session: Session): boolean {
    return this.hasGlobal(session, 'CREATE USER') || this.has(session, 'UPDATE', { level: 'database', db: 'mysql' });
  }

  /** SELECT on mysql.user (or above): may read the grant tables and other accounts' definitions. */
  mayReadUserTable(session: Session): boolean {
    return this.has(session, 'SELECT', { level: 'table', db: 'mysql', table: 'user' });
  }

  isSelf(session: Session, account: AccountName | Account): boolean {
    return session.account.user === account.user && session.account.host === account.host;
  }
}
