import type { LocalMariadb } from '../databases/mariadb';
import type { LocalStack } from '../stack';
import type { SecretReport } from './report';
import { createSecret, rotate, type DbSecret } from './secret-rotation';

export async function drillMariadbSingleUser(stack: LocalStack, mariadb: LocalMariadb): Promise<SecretReport> {
  const initialPassword = 'shop-initial-password';
  await mariadb.admin("CREATE USER 'shop_admin'@'%' IDENTIFIED BY ?", [initialPassword]);
  return rotate(stack, {
    name: 'mariadb/shop-admin',
    strategy: 'mysql-single-user',
    value: mariadb.secretValue('shop_admin', initialPassword),
    checks: async (currentValue) => {
      const current = JSON.parse(currentValue) as DbSecret;
      return [
        {
          passed: await mariadb.canLogin('shop_admin', current.password),
          text: 'the new password logs in as shop_admin',
        },
        {
          passed: !(await mariadb.canLogin('shop_admin', initialPassword)),
          text: 'the old password is rejected (1045; MariaDB has no dual passwords)',
        },
      ];
    },
  });
}

/** SHOW GRANTS of an account, with its own name taken out, so two accounts' grants compare. */
async function grantsOf(mariadb: LocalMariadb, user: string): Promise<string[]> {
  const rows = await mariadb.admin<Record<string, string>>('SHOW GRANTS FOR ?@?', [user, '%']);
  return rows
    .map((row) => Object.values(row)[0] ?? '')
    .filter((grant) => !/^GRANT USAGE ON \*\.\* TO/.test(grant))
    .map((grant) => grant.split(' TO ')[0] ?? grant)
    .sort();
}

export async function drillMariadbAlternatingUsers(stack: LocalStack, mariadb: LocalMariadb): Promise<SecretReport> {
  const masterArn = await createSecret(stack, 'mariadb/master', mariadb.masterSecretValue());
  await mariadb.admin('CREATE DATABASE IF NOT EXISTS shop');
  await mariadb.admin('CREATE TABLE IF NOT EXISTS shop.orders (id int)');
  await mariadb.admin("CREATE USER 'shop_app'@'%' IDENTIFIED BY 'shop-app-initial-password'");
  await mariadb.admin("GRANT SELECT, INSERT ON shop.orders TO 'shop_app'@'%'");
  return rotate(stack, {
    name: 'mariadb/shop-app',
    strategy: 'mysql-alternating-users',
    value: mariadb.secretValue('shop_app', 'shop-app-initial-password', { masterarn: masterArn, dbname: 'shop' }),
    checks: async (currentValue, previousValue) => {
      const current = JSON.parse(currentValue) as DbSecret;
      const previous = JSON.parse(previousValue) as DbSecret;
      const original = await grantsOf(mariadb, 'shop_app');
      const clone = await grantsOf(mariadb, 'shop_app_clone');
      return [
        {
          passed: current.username === 'shop_app_clone',
          text: "AWSCURRENT now names the other user, shop_app_clone (created on first rotation, same host '%')",
        },
        { passed: await mariadb.canLogin(current.username, current.password), text: 'shop_app_clone logs in' },
        {
          passed: original.length > 0 && JSON.stringify(original) === JSON.stringify(clone),
          text: "shop_app_clone holds exactly shop_app's grants (SELECT, INSERT on shop.orders)",
        },
        {
          passed: await mariadb.canLogin(previous.username, previous.password),
          text: 'shop_app still logs in: clients on AWSPREVIOUS keep working until revoke',
        },
      ];
    },
  });
}
