/**
 * The default privileges (`ALTER DEFAULT PRIVILEGES FOR ROLE ...`) role `$1` has that role `$2`
 * lacks: one row per grant on objects `$1` creates, with the schema (NULL: every schema), the
 * object type (`pg_default_acl.defaclobjtype`), the privilege, whether it is grantable, and the
 * grantee (NULL: PUBLIC; `itself` when it is the creating role's own). A grant the other role
 * makes to itself counts as the same grant. Read by the privilege check and by the clone's alignment.
 */
export const MISSING_DEFAULT_PRIVILEGES_SQL = `
  WITH acl AS (
    SELECT r.rolname AS owner, n.nspname, d.defaclobjtype::text AS objtype, x.privilege_type AS privilege,
           x.is_grantable AS grantable, x.grantee = d.defaclrole AS itself,
           CASE WHEN x.grantee = d.defaclrole THEN NULL ELSE g.rolname END AS grantee
      FROM pg_default_acl d JOIN pg_roles r ON r.oid = d.defaclrole
      LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
      CROSS JOIN LATERAL aclexplode(d.defaclacl) x
      LEFT JOIN pg_roles g ON g.oid = x.grantee
     WHERE r.rolname IN ($1, $2))
  SELECT a.nspname, a.objtype, a.privilege, a.grantee, a.grantable, a.itself FROM acl a
   WHERE a.owner = $1 AND NOT EXISTS (
         SELECT 1 FROM acl b WHERE b.owner = $2 AND b.nspname IS NOT DISTINCT FROM a.nspname
            AND b.objtype = a.objtype AND b.privilege = a.privilege AND b.itself = a.itself
            AND b.grantee IS NOT DISTINCT FROM a.grantee AND b.grantable >= a.grantable)`;

/** The object types default privileges apply to, as ALTER DEFAULT PRIVILEGES names them. */
export const DEFAULT_PRIVILEGE_OBJECTS: Readonly<Record<string, string>> = {
  r: 'TABLES',
  S: 'SEQUENCES',
  f: 'FUNCTIONS',
  T: 'TYPES',
  n: 'SCHEMAS',
};
