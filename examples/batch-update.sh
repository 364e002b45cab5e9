#!/bin/sh
# A batch update with jq: take forgotten deals out of the forecast.
#
# What it does: reads the open deals as JSON (`crmctl deals list -o json`), lets jq pick
# those that nobody is talking to (no contact person on the deal) and that have been idle
# for more than IDLE_DAYS days, and sets their forecast category to `omitted` with one
# `crmctl deals update --where 'id in (…)'` (one statement, one timeline event per deal).
# jq does what the filter language cannot say (an empty list of contacts); `--where`
# keeps the rest set-based. Run it again and it finds nothing new.
#
# How to run it:
#   CRM_DATABASE_URL=sqlite:///$PWD/demo/crm.db CRM_USER=admin \
#     examples/batch-update.sh [--dry-run] [-o json]
# Extra arguments go to `crmctl deals update` (--dry-run shows what would change).
# Defaults: CRMCTL=crmctl, IDLE_DAYS=60. Needs jq.
# Exit: 0 (also when no deal matched); otherwise crmctl's own code (README, Exit codes).
set -eu

CRMCTL=${CRMCTL:-crmctl}
IDLE_DAYS=${IDLE_DAYS:-60}

deals=$("$CRMCTL" deals list -o json \
  --where "status = \"open\" and forecast_category != \"omitted\" and idle_days > $IDLE_DAYS")
ids=$(printf '%s\n' "$deals" | jq -r '[.[] | select((.contacts | length) == 0) | .id] | join(", ")')

if [ -z "$ids" ]; then
  echo "batch-update: no open deal without contacts idle over $IDLE_DAYS days" >&2
  exit 0
fi
"$CRMCTL" deals update --where "id in ($ids)" --set forecast_category=omitted "$@"
