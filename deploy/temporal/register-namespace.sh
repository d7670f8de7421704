#!/bin/sh
# Registers the namespace socialops runs in and the search attributes its workflows keep
# current, so that admins can filter in Temporal UI. Existing entries are left as they are.
set -eu

: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required}"
: "${SEARCH_ATTRIBUTES:?SEARCH_ATTRIBUTES lists Name=Type pairs}"
namespace="${TEMPORAL_NAMESPACE:-default}"
retention="${NAMESPACE_RETENTION:-720h}"
attempts="${READY_ATTEMPTS:-60}"

attempt=1
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do
  if [ "$attempt" -ge "$attempts" ]; then
    echo "Temporal at $TEMPORAL_ADDRESS is not serving after $attempts attempts" >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep 2
done

if temporal operator namespace describe --address "$TEMPORAL_ADDRESS" --namespace "$namespace" >/dev/null 2>&1; then
  echo "Namespace '$namespace' already registered"
else
  temporal operator namespace create --address "$TEMPORAL_ADDRESS" --namespace "$namespace" --retention "$retention"
  echo "Namespace '$namespace' registered (retention $retention)"
fi

registered() {
  temporal operator search-attribute list --address "$TEMPORAL_ADDRESS" --namespace "$namespace" | grep -qw -- "$1"
}

for pair in $SEARCH_ATTRIBUTES; do
  name="${pair%%=*}"
  type="${pair#*=}"
  if registered "$name"; then
    echo "Search attribute $name already registered"
    continue
  fi
  temporal operator search-attribute create --address "$TEMPORAL_ADDRESS" --namespace "$namespace" \
    --name "$name" --type "$type"
  registered "$name" || { echo "Search attribute $name did not register" >&2; exit 1; }
  echo "Search attribute $name ($type) registered"
done
