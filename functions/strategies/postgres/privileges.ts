import type { PostgresSession } from './connection';
import { MISSING_DEFAULT_PRIVILEGES_SQL } from './default-acl';
import { MISSING_ROLE_SETTINGS_SQL } from './role-settings';

/**
 * What one role can do that another cannot, computed by the server itself: the privileges a
 * session of each would actually use (inheritance as the server resolves it, NOINHERIT and SET
 * ROLE-only memberships included, predefined roles such as pg_read_all_data, ownership) and
 * what it would bring with it (role settings such as search_path, default privileges on the
 * objects it creates, row-level security policies). Used before AWSCURRENT moves to the other
 * user of an alternating pair, and again by the lifecycle's Verify: a gap means a consumer
 * switched to the new user would fail.
 *
 * Objects are those of the session's database (the secret's `dbname`) plus the cluster-wide
 * ones (databases, tablespaces, roles). Every name is printed with format('%I'): never a value.
 */

/** One thing the first role can do that the second cannot, by category. */
export interface PrivilegeGap {
  readonly category: string;
  readonly detail: string;
}

interface Query {
  readonly category: string;
  /** `$1` the role that has, `$2` the role that must have; returns `detail`. */
  readonly sql: (server: ServerFeatures) => string;
}

interface ServerFeatures {
  /** 16+: memberships carry their own INHERIT and SET options; pg_has_role knows 'SET'. */
  readonly membershipOptions: boolean;
  /** 17+: the MAINTAIN table privilege. */
  readonly maintain: boolean;
  readonly largeObjectFunction: boolean;
}

// Objects of the system schemas are the same for every role; the user's are in every other schema.
const USER_SCHEMA = `n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'`;

const QUERIES: readonly Query[] = [
  {
    category: 'table privileges',
    sql: (server) => `
      SELECT format('%s on %s %I.%I', p, CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                    WHEN 'f' THEN 'foreign table' ELSE 'table' END, n.nspname, c.relname) AS detail
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE','TRUNCATE','REFERENCES','TRIGGER'${server.maintain ? ",'MAINTAIN'" : ''}]) AS p
       WHERE c.relkind IN ('r','v','m','f','p') AND ${USER_SCHEMA}
         AND has_table_privilege($1, c.oid, p) AND NOT has_table_privilege($2, c.oid, p)`,
  },
  {
    category: 'column privileges',
    sql: () => `
      SELECT format('%s on column %I.%I.%I', p, n.nspname, c.relname, a.attname) AS detail
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN unnest(ARRAY['SELECT','INSERT','UPDATE','REFERENCES']) AS p
       WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped AND ${USER_SCHEMA}
         AND has_column_privilege($1, c.oid, a.attnum, p) AND NOT has_column_privilege($2, c.oid, a.attnum, p)`,
  },
  {
    category: 'sequence privileges',
    sql: () => `
      SELECT format('%s on sequence %I.%I', p, n.nspname, c.relname) AS detail
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN unnest(ARRAY['USAGE','SELECT','UPDATE']) AS p
       WHERE c.relkind = 'S' AND ${USER_SCHEMA}
         AND has_sequence_privilege($1, c.oid, p) AND NOT has_sequence_privilege($2, c.oid, p)`,
  },
  {
    category: 'function privileges',
    sql: () => `
      SELECT format('EXECUTE on %s %I.%I(%s)', CASE f.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END,
                    n.nspname, f.proname, pg_get_function_identity_arguments(f.oid)) AS detail
        FROM pg_proc f JOIN pg_namespace n ON n.oid = f.pronamespace
       WHERE ${USER_SCHEMA}
         AND has_function_privilege($1, f.oid, 'EXECUTE') AND NOT has_function_privilege($2, f.oid, 'EXECUTE')`,
  },
  {
    category: 'schema privileges',
    sql: () => `
      SELECT format('%s on schema %I', p, n.nspname) AS detail
        FROM pg_namespace n CROSS JOIN unnest(ARRAY['USAGE','CREATE']) AS p
       WHERE ${USER_SCHEMA}
         AND has_schema_privilege($1, n.oid, p) AND NOT has_schema_privilege($2, n.oid, p)`,
  },
  {
    category: 'database privileges',
    sql: () => `
      SELECT format('%s on database %I', p, d.datname) AS detail
        FROM pg_database d CROSS JOIN unnest(ARRAY['CONNECT','CREATE','TEMPORARY']) AS p
       WHERE d.datallowconn AND NOT d.datistemplate
         AND has_database_privilege($1, d.oid, p) AND NOT has_database_privilege($2, d.oid, p)`,
  },
  {
    category: 'type privileges',
    sql: () => `
      SELECT format('USAGE on type %I.%I', n.nspname, t.typname) AS detail
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
       WHERE ${USER_SCHEMA} AND t.typacl IS NOT NULL
         AND has_type_privilege($1, t.oid, 'USAGE') AND NOT has_type_privilege($2, t.oid, 'USAGE')`,
  },
  {
    category: 'language, foreign data and tablespace privileges',
    sql: () => `
      SELECT format('USAGE on language %I', l.lanname) AS detail FROM pg_language l
       WHERE has_language_privilege($1, l.oid, 'USAGE') AND NOT has_language_privilege($2, l.oid, 'USAGE')
      UNION ALL
      SELECT format('USAGE on foreign-data wrapper %I', w.fdwname) FROM pg_foreign_data_wrapper w
       WHERE has_foreign_data_wrapper_privilege($1, w.oid, 'USAGE') AND NOT has_foreign_data_wrapper_privilege($2, w.oid, 'USAGE')
      UNION ALL
      SELECT format('USAGE on foreign server %I', s.srvname) FROM pg_foreign_server s
       WHERE has_server_privilege($1, s.oid, 'USAGE') AND NOT has_server_privilege($2, s.oid, 'USAGE')
      UNION ALL
      SELECT format('CREATE on tablespace %I', t.spcname) FROM pg_tablespace t
       WHERE t.spcname <> 'pg_global'
         AND has_tablespace_privilege($1, t.oid, 'CREATE') AND NOT has_tablespace_privilege($2, t.oid, 'CREATE')`,
  },
  {
    category: 'large object privileges',
    sql: (server) =>
      server.largeObjectFunction
        ? `
      SELECT format('%s on large object %s', p, l.oid) AS detail
        FROM pg_largeobject_metadata l CROSS JOIN unnest(ARRAY['SELECT','UPDATE']) AS p
       WHERE has_largeobject_privilege($1, l.oid, p) AND NOT has_largeobject_privilege($2, l.oid, p)`
        : // Before has_largeobject_privilege (PostgreSQL 17): the owner's rights and the object's ACL, through inheritance.
          `
      SELECT format('%s on large object %s', p, l.oid) AS detail
        FROM pg_largeobject_metadata l CROSS JOIN unnest(ARRAY['SELECT','UPDATE']) AS p
       WHERE (pg_has_role($1, l.lomowner, 'USAGE') OR EXISTS (SELECT 1 FROM aclexplode(l.lomacl) x
               WHERE x.privilege_type = p AND (x.grantee = 0 OR pg_has_role($1, x.grantee, 'USAGE'))))
         AND NOT (pg_has_role($2, l.lomowner, 'USAGE') OR EXISTS (SELECT 1 FROM aclexplode(l.lomacl) x
               WHERE x.privilege_type = p AND (x.grantee = 0 OR pg_has_role($2, x.grantee, 'USAGE'))))`,
  },
  {
    category: 'role memberships',
    sql: (server) => `
      SELECT format('the privileges of role %I (inherited)', r.rolname) AS detail FROM pg_roles r
       WHERE r.rolname NOT IN ($1, $2) AND pg_has_role($1, r.oid, 'USAGE') AND NOT pg_has_role($2, r.oid, 'USAGE')
      UNION ALL
      SELECT format('SET ROLE %I', r.rolname) FROM pg_roles r
       WHERE r.rolname NOT IN ($1, $2)
         AND pg_has_role($1, r.oid, '${server.membershipOptions ? 'SET' : 'MEMBER'}')
         AND NOT pg_has_role($2, r.oid, '${server.membershipOptions ? 'SET' : 'MEMBER'}')`,
  },
  {
    category: 'ownership',
    sql: () => `
      SELECT format('ownership of %s', pg_describe_object(d.classid, d.objid, d.objsubid)) AS detail
        FROM pg_shdepend d JOIN pg_roles o ON o.oid = d.refobjid
       WHERE o.rolname = $1 AND d.deptype = 'o'
         AND d.dbid IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
         AND NOT pg_has_role($2, o.oid, 'USAGE')`,
  },
  {
    category: 'row-level security policies',
    sql: () => `
      SELECT format('policy %I on %I.%I', p.polname, n.nspname, c.relname) AS detail
        FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE EXISTS (SELECT 1 FROM unnest(p.polroles) r WHERE r = 0 OR pg_has_role($1, r, 'USAGE'))
         AND NOT EXISTS (SELECT 1 FROM unnest(p.polroles) r WHERE r = 0 OR pg_has_role($2, r, 'USAGE'))`,
  },
  {
    category: 'role attributes',
    sql: () => `
      SELECT a.attribute AS detail FROM pg_roles o, pg_roles n,
             LATERAL (VALUES ('SUPERUSER', o.rolsuper AND NOT n.rolsuper),
                             ('CREATEDB', o.rolcreatedb AND NOT n.rolcreatedb),
                             ('CREATEROLE', o.rolcreaterole AND NOT n.rolcreaterole),
                             ('REPLICATION', o.rolreplication AND NOT n.rolreplication),
                             ('BYPASSRLS', o.rolbypassrls AND NOT n.rolbypassrls),
                             (format('CONNECTION LIMIT %s (has %s)', o.rolconnlimit, n.rolconnlimit),
                              n.rolconnlimit <> -1 AND (o.rolconnlimit = -1 OR n.rolconnlimit < o.rolconnlimit))
             ) AS a(attribute, missing)
       WHERE o.rolname = $1 AND n.rolname = $2 AND a.missing`,
  },
  {
    category: 'role settings',
    sql: () => `
      SELECT format('%s (%s)', m.setting, coalesce('in database ' || quote_ident(m.datname), 'in every database')) AS detail
        FROM (${MISSING_ROLE_SETTINGS_SQL}) m`,
  },
  {
    // Objects either role creates get these grants automatically; a grant to "itself" maps across.
    category: 'default privileges',
    sql: () => `
      SELECT format('%s on new %s in schema %s to %s%s', m.privilege,
                    CASE m.objtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences' WHEN 'f' THEN 'functions'
                                   WHEN 'T' THEN 'types' WHEN 'n' THEN 'schemas' ELSE 'objects' END,
                    coalesce(quote_ident(m.nspname), '*'),
                    CASE WHEN m.itself THEN '(itself)' ELSE coalesce(quote_ident(m.grantee), 'PUBLIC') END,
                    CASE WHEN m.grantable THEN ' with grant option' ELSE '' END) AS detail
        FROM (${MISSING_DEFAULT_PRIVILEGES_SQL}) m`,
  },
];

async function serverFeatures(session: PostgresSession): Promise<ServerFeatures> {
  const [row] = await session.query<{ version: string; lo: boolean }>(
    `SELECT current_setting('server_version_num') AS version,
            to_regproc('pg_catalog.has_largeobject_privilege') IS NOT NULL AS lo`,
  );
  const version = Number(row?.version ?? 0);
  return { membershipOptions: version >= 160000, maintain: version >= 170000, largeObjectFunction: row?.lo === true };
}

/**
 * Everything role `has` can do in the session's database that role `lacks` cannot. Run in any
 * session: the privilege functions answer for any role, and the catalogs read are public.
 */
export async function privilegeGaps(
  session: PostgresSession,
  roles: { readonly has: string; readonly lacks: string },
): Promise<PrivilegeGap[]> {
  const server = await serverFeatures(session);
  const gaps: PrivilegeGap[] = [];
  for (const query of QUERIES) {
    const rows = await session.query<{ detail: string }>(`${query.sql(server)} ORDER BY 1 LIMIT 200`, [
      roles.has,
      roles.lacks,
    ]);
    for (const row of rows) gaps.push({ category: query.category, detail: row.detail });
  }
  return gaps;
}

/** The gaps in a sentence for an error or audit event: grouped, at most `shown` listed. */
export function describePrivilegeGaps(gaps: readonly PrivilegeGap[], shown = 15): string {
  const listed = gaps.slice(0, shown).map((g) => g.detail);
  const more = gaps.length > shown ? `; and ${gaps.length - shown} more` : '';
  const categories = [...new Set(gaps.map((g) => g.category))].join(', ');
  return `${gaps.length} missing (${categories}): ${listed.join('; ')}${more}`;
}
