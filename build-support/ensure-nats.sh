#!/usr/bin/env bash
# Start NATS with JetStream on 127.0.0.1:4222 when it is down (the aurora-events
# JetStream suites need it; their fault tests start private servers of their own).
set -euo pipefail

up() { timeout 2 bash -c "</dev/tcp/127.0.0.1/4222" 2>/dev/null; }

if ! up; then
  if ! command -v nats-server >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq nats-server
  fi
  echo "starting NATS JetStream"
  mkdir -p /var/lib/nats-server
  nohup nats-server -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server \
    -l /var/log/nats-server.log >/dev/null 2>&1 &
fi
for _ in $(seq 1 60); do
  up && { echo "NATS is up on 4222"; exit 0; }
  sleep 0.5
done
echo "NATS did not come up on port 4222" >&2
exit 1
