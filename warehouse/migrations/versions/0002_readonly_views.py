"""read-only reporting views and, on PostgreSQL, the sentient_reader role

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

The views (warehouse/views.py) are the only relations the ad-hoc query tool may read. On PostgreSQL the
tool runs its statement as the NOLOGIN role sentient_reader, which gets SELECT on exactly these views and
nothing else; EXECUTE on functions that would let a SELECT change settings (set_config, so also the
role and the statement timeout), sleep, hold session-level advisory locks or touch large objects is
revoked from PUBLIC in this database and given back to the migrating role and the database owner.
Roles are cluster-wide: creating it is idempotent and tolerates other databases' migrations doing the
same at the same moment (parallel test databases). Downgrade drops the views and restores the function
grants, but leaves the role, which other databases on the cluster may still use.
"""

from collections.abc import Sequence

from alembic import op

from warehouse.views import VIEWS

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

READER = "sentient_reader"

CREATE_READER = f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{READER}') THEN
        BEGIN
            CREATE ROLE {READER} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT
                NOREPLICATION NOBYPASSRLS;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- another database's migration created it at the same moment
        END;
    END IF;
    -- The connecting role must be able to SET ROLE to the reader (superusers always can).
    IF NOT pg_has_role(current_user, '{READER}', 'MEMBER') THEN
        EXECUTE format('GRANT {READER} TO %I', current_user);
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE WARNING 'sentient: could not make % a member of {READER}; ad-hoc queries stay disabled',
        current_user;
END
$$
"""

# Functions a SELECT could use to escape the sandbox: change settings (role, timeout), sleep, keep
# session-level advisory locks after the rollback, read or write large objects, reach other servers.
RISKY_FUNCTIONS = """
SELECT p.oid::regprocedure::text
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE (n.nspname = 'pg_catalog' AND (
        p.proname IN ('set_config', 'pg_sleep', 'pg_sleep_for', 'pg_sleep_until',
                      'pg_advisory_lock', 'pg_advisory_lock_shared', 'pg_try_advisory_lock',
                      'pg_try_advisory_lock_shared', 'loread', 'lowrite')
        OR p.proname LIKE 'lo\\_%'))
   OR p.proname LIKE 'dblink%'
"""

HARDEN = f"""
DO $$
DECLARE
    fn text;
    owner name := (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database());
BEGIN
    FOR fn IN {RISKY_FUNCTIONS} LOOP
        -- Only functions PUBLIC may run today (lo_import/lo_export are superuser-only already).
        CONTINUE WHEN NOT has_function_privilege('public', fn, 'EXECUTE');
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', fn);
        -- Give them back to the roles that run the application, so nothing else changes for them.
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', fn, current_user);
        IF owner <> current_user THEN
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', fn, owner);
        END IF;
    END LOOP;
    IF has_function_privilege('public', 'pg_catalog.set_config(text,text,boolean)', 'EXECUTE') THEN
        RAISE WARNING 'sentient: PUBLIC may still run set_config; ad-hoc queries stay disabled';
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    -- Without superuser rights the grants stay; tools/adhoc refuses to run until an admin revokes them.
    RAISE WARNING 'sentient: could not revoke EXECUTE on risky functions from PUBLIC; '
        'ad-hoc queries stay disabled on this database';
END
$$
"""

UNHARDEN = f"""
DO $$
DECLARE
    fn text;
BEGIN
    FOR fn IN {RISKY_FUNCTIONS} LOOP
        CONTINUE WHEN has_function_privilege('public', fn, 'EXECUTE');
        -- Not PUBLIC's by default: server-side large object files and unauthenticated dblink.
        CONTINUE WHEN split_part(fn, '(', 1) IN ('lo_import', 'lo_export', 'dblink_connect_u');
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO PUBLIC', fn);
    END LOOP;
EXCEPTION WHEN insufficient_privilege THEN
    NULL;
END
$$
"""


def upgrade() -> None:
    for view in VIEWS:
        op.execute(view.drop_sql())
        op.execute(view.create_sql())
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(CREATE_READER)
    op.execute(f"GRANT USAGE ON SCHEMA {_schema()} TO {READER}")
    for view in VIEWS:
        op.execute(f"REVOKE ALL ON {view.name} FROM PUBLIC")
        op.execute(f"GRANT SELECT ON {view.name} TO {READER}")
    op.execute(HARDEN)


def downgrade() -> None:
    for view in reversed(VIEWS):
        op.execute(view.drop_sql())
    if op.get_bind().dialect.name == "postgresql":
        op.execute(UNHARDEN)
        op.execute(f"REVOKE USAGE ON SCHEMA {_schema()} FROM {READER}")


def _schema() -> str:
    """The schema the views live in, quoted for SQL."""
    name = op.get_bind().exec_driver_sql("SELECT quote_ident(current_schema())").scalar()
    return str(name)
