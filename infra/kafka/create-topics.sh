#!/bin/sh
# One-shot topic setup for the compose stack; runs in the apache/kafka image (busybox sh, no bash
# guaranteed), so this stays POSIX. Safe to re-run: existing topics are left alone.
set -eu

BOOTSTRAP="${BOOTSTRAP_SERVERS:-kafka:9092}"
TOPICS_FILE="${TOPICS_FILE:-/opt/streamrisk-init/topics.txt}"
# One broker in the compose stack; a real cluster overrides this (3 with min.insync.replicas=2).
REPLICATION_FACTOR="${REPLICATION_FACTOR:-1}"
WAIT_ATTEMPTS="${WAIT_ATTEMPTS:-30}"
KT="${KAFKA_TOPICS_SH:-/opt/kafka/bin/kafka-topics.sh}"

if [ ! -r "$TOPICS_FILE" ]; then
  echo "create-topics: cannot read $TOPICS_FILE" >&2
  exit 1
fi

# depends_on already waits for the broker's healthcheck, but this script is also meant to be run by
# hand (docker-compose run kafka-init) against a broker that may still be electing itself.
attempt=1
until "$KT" --bootstrap-server "$BOOTSTRAP" --list >/dev/null 2>&1; do
  if [ "$attempt" -ge "$WAIT_ATTEMPTS" ]; then
    echo "create-topics: broker at $BOOTSTRAP not reachable after $attempt attempts" >&2
    exit 1
  fi
  echo "create-topics: waiting for $BOOTSTRAP ($attempt/$WAIT_ATTEMPTS)"
  attempt=$((attempt + 1))
  sleep 2
done

failed=0
# The `|| [ -n "$name" ]` keeps a last line that lacks a trailing newline.
while read -r name partitions rest || [ -n "${name:-}" ]; do
  case "$name" in ''|'#'*) continue ;; esac

  case "$partitions" in
    ''|*[!0-9]*)
      echo "create-topics: $name: partition count '$partitions' is not a number" >&2
      failed=1
      continue
      ;;
  esac

  # Word splitting of $rest is intended: each key=value becomes one --config argument.
  set -- --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
    --topic "$name" --partitions "$partitions" --replication-factor "$REPLICATION_FACTOR"
  for kv in $rest; do
    set -- "$@" --config "$kv"
  done

  # </dev/null: a tool reading stdin would otherwise eat the rest of the topics file.
  if ! "$KT" "$@" </dev/null; then
    echo "create-topics: $name: create failed" >&2
    failed=1
    continue
  fi

  # --if-not-exists is silent about an existing topic with another shape; that mismatch changes key
  # placement, so make it visible rather than "fixing" it (adding partitions is irreversible).
  actual=$("$KT" --bootstrap-server "$BOOTSTRAP" --describe --topic "$name" </dev/null 2>/dev/null \
    | sed -n 's/.*PartitionCount: *\([0-9][0-9]*\).*/\1/p' | head -n 1)
  if [ -n "$actual" ] && [ "$actual" != "$partitions" ]; then
    echo "create-topics: WARNING $name has $actual partitions, topics.txt says $partitions" >&2
  fi
  echo "create-topics: $name ok ($partitions partitions${rest:+, $rest})"
done < "$TOPICS_FILE"

exit "$failed"
