import { generatePassword } from '../../shared/password';
import { DATABASE_PASSWORD_DEFAULTS } from '../password-defaults';
import type { StrategyContext } from '../strategy';
import { passwordPolicyFromTags } from '../tag-options';

/** A new database user password, by the secret's policy tags over the database defaults. */
export function newDatabasePassword(ctx: StrategyContext): string {
  return generatePassword(passwordPolicyFromTags(ctx.tags, DATABASE_PASSWORD_DEFAULTS));
}
