-- One database per service: each service owns its tables and nobody else reads them.
-- Run by the postgres image from /docker-entrypoint-initdb.d/ (docker-compose.yml), and usable
-- by hand on any PostgreSQL >= 9.6:  psql -U postgres -f deploy/postgres/init-databases.sql
-- Idempotent: CREATE DATABASE has no IF NOT EXISTS, so each statement is generated only for a
-- missing database and run by psql's \gexec.

SELECT 'CREATE DATABASE eplanning_musrenbang'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'eplanning_musrenbang')\gexec

SELECT 'CREATE DATABASE eplanning_pokir'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'eplanning_pokir')\gexec

SELECT 'CREATE DATABASE eplanning_renja'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'eplanning_renja')\gexec

SELECT 'CREATE DATABASE eplanning_rkpd'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'eplanning_rkpd')\gexec

-- the gateway's own users and tokens
SELECT 'CREATE DATABASE eplanning_gateway'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'eplanning_gateway')\gexec
