import type { PasswordPolicy } from '../shared/password';

/**
 * Each strategy's password policy when the secret's tags set none. A module of its own,
 * free of drivers, because the infrastructure reads it too (the initial value of a secret
 * keyturn creates follows the same policy as every rotation after it).
 */

/** API keys and tokens travel in headers and URLs: letters and digits unless the policy says otherwise. */
export const RANDOM_DEFAULT_POLICY: PasswordPolicy = { length: 40, excludePunctuation: true };

/** Characters that break connection strings and shell quoting stay out, as in AWS's own functions. */
export const DATABASE_PASSWORD_DEFAULTS: PasswordPolicy = { length: 32, excludeCharacters: '/@"\'\\' };
