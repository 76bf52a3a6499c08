#!/bin/sh
# Run once by the postgres image on a new data volume (docker-entrypoint-initdb.d): the two roles of
# docs/operating.md "Database roles". practice_review_owner owns the schema and runs `migrate` only;
# practice_review_app runs the service and the jobs: it reads and writes rows, owns nothing, and so cannot
# drop or disable the append-only history triggers (A1). On a server of your own, run the same SQL as a
# superuser (psql -v owner_pw=… -v app_pw=… -f - < this heredoc).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v owner_pw="$(cat /run/secrets/owner_password)" -v app_pw="$(cat /run/secrets/app_password)" <<'SQL'
CREATE ROLE practice_review_owner LOGIN PASSWORD :'owner_pw';
CREATE ROLE practice_review_app LOGIN PASSWORD :'app_pw';
ALTER DATABASE practice_review OWNER TO practice_review_owner;
ALTER SCHEMA public OWNER TO practice_review_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO practice_review_app;
ALTER DEFAULT PRIVILEGES FOR ROLE practice_review_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO practice_review_app;
ALTER DEFAULT PRIVILEGES FOR ROLE practice_review_owner IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO practice_review_app;
SQL
