#!/bin/sh
# A CI job: export crmctl's reports as CSV and JSON, diff them against the previous run's
# and fail when a number crosses its threshold (`--fail-if`).
#
# What it does: writes the forecast, pipeline, cash flow, funnel and lead-response reports
# of PERIOD into REPORTS_DIR, each stamped by --generated-at with the job's fixed clock
# (CRM_NOW, default today 00:00 UTC), so that the same data gives byte-identical files; if
# PREVIOUS_DIR holds the previous run's files (e.g. the last pipeline's artifact), prints
# `diff -u` of every report that changed and keeps it in REPORTS_DIR/changes.diff. Then it
# exits 6 if the win rate of PERIOD is below MIN_WIN_RATE or the lead-response SLA was
# breached more than MAX_SLA_BREACHES times (the reports are written either way).
#
# How to run it:
#   CRM_DATABASE_URL=postgresql+psycopg://crm@db/crm CRM_USER=reports \
#     examples/ci-reports.sh [REPORTS_DIR [PREVIOUS_DIR]]
# Defaults: REPORTS_DIR=reports, PREVIOUS_DIR=previous-reports, CRMCTL=crmctl,
#   PERIOD=the year of CRM_NOW, MIN_WIN_RATE=25, MAX_SLA_BREACHES=20.
# Exit: 0 all well; 6 a threshold crossed; any other code is crmctl's own (README, Exit codes).
set -eu

CRMCTL=${CRMCTL:-crmctl}
REPORTS_DIR=${1:-reports}
PREVIOUS_DIR=${2:-previous-reports}
CRM_NOW=${CRM_NOW:-$(date -u +%Y-%m-%dT00:00:00+00:00)}
export CRM_NOW
PERIOD=${PERIOD:-${CRM_NOW%%-*}}
MIN_WIN_RATE=${MIN_WIN_RATE:-25}
MAX_SLA_BREACHES=${MAX_SLA_BREACHES:-20}

mkdir -p "$REPORTS_DIR"
failed=0

# One report into one file; a --fail-if that holds (exit 6) is remembered, and the job goes
# on so that every file is written; any other failure stops the job with crmctl's code.
report() {
  file=$1
  shift
  rc=0
  "$CRMCTL" report "$@" --generated-at --output "$REPORTS_DIR/$file" || rc=$?
  case $rc in
    0) ;;
    6) failed=6 ;;
    *) echo "ci-reports: crmctl report $1 failed (exit $rc)" >&2; exit "$rc" ;;
  esac
}

report forecast.csv forecast -o csv
report forecast.json forecast -o json
report pipeline.csv pipeline --by stage -o csv
report cashflow.csv cashflow --from "$PERIOD" --to "$PERIOD" -o csv
report funnel.json funnel --from "$PERIOD" --to "$PERIOD" -o json \
  --fail-if "win_rate < $MIN_WIN_RATE"
report lead-response.csv lead-response --from "$PERIOD" --to "$PERIOD" -o csv \
  --fail-if "breaches > $MAX_SLA_BREACHES"

# What changed since the previous run (informational: data changes every day).
if [ -d "$PREVIOUS_DIR" ]; then
  : >"$REPORTS_DIR/changes.diff"
  changed=0
  for file in forecast.csv forecast.json pipeline.csv cashflow.csv funnel.json lead-response.csv; do
    if ! diff -u "$PREVIOUS_DIR/$file" "$REPORTS_DIR/$file" >>"$REPORTS_DIR/changes.diff" 2>&1; then
      changed=$((changed + 1))
    fi
  done
  if [ "$changed" -eq 0 ]; then
    echo "ci-reports: no report changed since the previous run"
  else
    echo "ci-reports: $changed report(s) changed since the previous run:"
    cat "$REPORTS_DIR/changes.diff"
  fi
else
  echo "ci-reports: no previous run in $PREVIOUS_DIR; nothing to compare"
fi

exit "$failed"
