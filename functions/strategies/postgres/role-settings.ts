/**
 * The role settings (`ALTER ROLE ... [IN DATABASE ...] SET`) role `$1` has that role `$2` lacks:
 * one row per setting as `name=value`, with the database it applies in (NULL: every database).
 * Read by the privilege check and by the clone's alignment.
 */
export const MISSING_ROLE_SETTINGS_SQL = `
  SELECT d.datname, s.setting
    FROM (SELECT r.setdatabase, unnest(r.setconfig) AS setting FROM pg_db_role_setting r
           WHERE r.setrole = (SELECT oid FROM pg_roles WHERE rolname = $1)) s
    LEFT JOIN pg_database d ON d.oid = s.setdatabase
   WHERE NOT EXISTS (SELECT 1 FROM pg_db_role_setting r, unnest(r.setconfig) AS c
                      WHERE r.setrole = (SELECT oid FROM pg_roles WHERE rolname = $2)
                        AND r.setdatabase = s.setdatabase AND c = s.setting)`;
