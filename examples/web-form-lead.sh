#!/bin/sh
# A web-form handler: the form's JSON in, a lead in the CRM out.
#
# What it does: pipes the JSON it reads on stdin (one object, or a list of them, e.g.
# {"name": "Jan Novák", "email": "jan@firma.cz", "phone": "603 123 456", "text": "…"})
# into `crmctl leads add --json -`, which validates every field and adds the lead(s) with
# source `web` (the workflow rules then assign and follow them up). On success it prints
# the new leads as JSON; on bad input {"error": "…"} naming the field. Run as a CGI script
# (REQUEST_METHOD set by the web server) it answers with an HTTP status line too:
# 201 Created, 422 for invalid data, 404 for an unknown owner, 400 for other usage errors,
# 500 otherwise, and always exits 0; crmctl's messages go to stderr (the server's log).
#
# How to run it:
#   echo '{"name": "Jan Novák", "email": "jan@firma.cz"}' |
#     CRM_DATABASE_URL=sqlite:///$PWD/demo/crm.db CRM_USER=admin examples/web-form-lead.sh
# Defaults: CRMCTL=crmctl. CRM_USER is the account leads are added as (their first owner).
# Needs jq (for the error body).
# Exit (not as CGI): crmctl's code, 0 added, 4 invalid data, 3 unknown owner/company/person.
set -u

CRMCTL=${CRMCTL:-crmctl}
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT

rc=0
body=$("$CRMCTL" leads add --json - -o json 2>"$errors") || rc=$?
cat "$errors" >&2
case $rc in
  0) status="201 Created" ;;
  4) status="422 Unprocessable Content" ;;
  3) status="404 Not Found" ;;
  2) status="400 Bad Request" ;;
  *) status="500 Internal Server Error" ;;
esac
if [ "$rc" -ne 0 ]; then
  message=$(sed -n 's/^error: //p' "$errors" | head -n 1)
  body=$(jq -n --arg error "${message:-crmctl failed with exit code $rc}" '{error: $error}')
fi

if [ -n "${REQUEST_METHOD:-}" ]; then
  printf 'Status: %s\r\nContent-Type: application/json\r\n\r\n' "$status"
  printf '%s\n' "$body"
  exit 0
fi
printf '%s\n' "$body"
exit "$rc"
