#!/bin/sh
# Creates or upgrades Temporal's schema in Postgres. Safe to run on every start: setup-schema
# leaves an existing schema alone and update-schema applies only the versions not yet applied.
set -eu

: "${POSTGRES_SEEDS:?POSTGRES_SEEDS names the Postgres host}"
: "${POSTGRES_USER:?POSTGRES_USER is required}"
: "${SQL_PASSWORD:?SQL_PASSWORD is required}"
port="${DB_PORT:-5432}"
schema_root=/etc/temporal/schema/postgresql/v12

sql_tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$port" -u "$POSTGRES_USER" "$@"
}

for database in temporal:temporal temporal_visibility:visibility; do
  name="${database%%:*}"
  schema="${database#*:}"
  echo "Preparing Temporal database '$name'"
  sql_tool --db "$name" setup-schema -v 0.0
  sql_tool --db "$name" update-schema -d "$schema_root/$schema/versioned"
done
echo "Temporal schema is up to date"
