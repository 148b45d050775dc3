-- Roles for a shared onenumber database on PostgreSQL.  Run as a superuser (psql),
-- replacing the passwords.  tests/integration/test_postgres.py applies this very file
-- (with the role and database names replaced) so it cannot drift from the code.

-- Owns the schema; the only role that runs `onenumber db upgrade`.
CREATE ROLE onenumber_owner LOGIN PASSWORD 'change-me-owner';
CREATE DATABASE onenumber OWNER onenumber_owner;
-- Operators: read everything, change contracts and devices, append (never edit)
-- history and audit.
CREATE ROLE onenumber_operator LOGIN PASSWORD 'change-me-operator';
-- Read-only: dashboards, CI smoke checks; every change is refused (exit 6).
CREATE ROLE onenumber_reader LOGIN PASSWORD 'change-me-reader';

GRANT CONNECT ON DATABASE onenumber TO onenumber_operator, onenumber_reader;

-- After `onenumber --db postgresql+psycopg://onenumber_owner@HOST/onenumber db upgrade`,
-- connected to the onenumber database:
GRANT USAGE ON SCHEMA public TO onenumber_operator, onenumber_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO onenumber_operator, onenumber_reader;
-- R5 in the database too: a change may touch only these columns (a device's type, IMEI,
-- registration time, account and id never change; a contract's account and creation time
-- neither).
GRANT INSERT ON contracts, devices TO onenumber_operator;
GRANT UPDATE (status, plan, updated_at) ON contracts TO onenumber_operator;
GRANT UPDATE (slot, name, name_key, unregistered_at) ON devices TO onenumber_operator;
GRANT INSERT ON history, audit TO onenumber_operator;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO onenumber_operator;
