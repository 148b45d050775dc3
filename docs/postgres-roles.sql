-- Roles and database for a shared onenumber database on PostgreSQL: the part a
-- superuser runs once, BEFORE `onenumber db upgrade`:
--
--     psql -h db.internal -U postgres -d postgres -f docs/postgres-roles.sql
--
-- It stops at the first error (a role that exists already, ...) with a non-zero exit.
-- No password is written here: set them afterwards, interactively, in psql
-- (`\password onenumber_owner`, `\password onenumber_operator`, `\password onenumber_reader`),
-- or use another authentication method of pg_hba.conf.
--
-- What the operator and reader roles may do is granted by the owner, after the schema
-- exists, with one command that can be run again after every upgrade:
--
--     onenumber --db postgresql+psycopg://onenumber_owner@db.internal/onenumber db upgrade
--     onenumber --db postgresql+psycopg://onenumber_owner@db.internal/onenumber \
--         db grant --operator onenumber_operator --reader onenumber_reader
--
-- tests/integration/test_postgres.py applies this very file (with the role and database
-- names replaced) before those two commands, so it cannot drift from the code.

\set ON_ERROR_STOP on

-- Owns the database and the schema; the only role that runs `onenumber db upgrade`,
-- `db grant` and `demo --remove`.
CREATE ROLE onenumber_owner LOGIN;
-- Operators: read everything, change contracts and devices, append (never edit) history
-- and audit (granted by `db grant`).
CREATE ROLE onenumber_operator LOGIN;
-- Read-only: dashboards, CI smoke checks, dry runs; every change is refused (exit 6).
CREATE ROLE onenumber_reader LOGIN;

CREATE DATABASE onenumber OWNER onenumber_owner;
-- Only the three roles may connect (`db grant` also does this, and grants CONNECT to
-- the operator and reader roles).
REVOKE CONNECT, TEMPORARY ON DATABASE onenumber FROM PUBLIC;
