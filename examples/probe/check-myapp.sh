#!/bin/sh
# check-myapp.sh: a probe pushed from cron (the README's "probe from a cron job" example).
#
#   # /etc/cron.d/timon-probe
#   */5 * * * * root /usr/local/bin/check-myapp.sh
#
# Every run pushes the health of myapp. --stale-incident-after 10m opens an incident
# ("myapp.health is stale") if no push arrives for 10 minutes: cron stopped, the host is down,
# or this script broke. Rules are sticky, so repeating the flag on every push is harmless.
#
# HEALTH_URL  the endpoint to check (default: http://localhost:8080/health)

HEALTH_URL=${HEALTH_URL:-http://localhost:8080/health}

if curl -sf "$HEALTH_URL" > /dev/null; then
  timon push probe myapp.health healthy --stale-incident-after 10m
else
  timon push probe myapp.health critical --stale-incident-after 10m
fi
