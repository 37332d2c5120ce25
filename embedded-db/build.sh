#!/usr/bin/env bash
# Builds the embedded MongoDB-compatible database (FerretDB v1 + SQLite) to
# embedded-db/bin/invites-embedded-db. Skips the build when the binary is newer
# than main.go, go.mod and go.sum. Needs Go (>= 1.24) and the Go module proxy.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

out=bin/invites-embedded-db

if [[ -x "$out" && "$out" -nt main.go && "$out" -nt go.mod && "$out" -nt go.sum ]]; then
  echo "embedded-db: $out is up to date" >&2
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "embedded-db: 'go' not found in PATH (Go >= 1.24 is required)" >&2
  exit 1
fi

mkdir -p bin
echo "embedded-db: building $out ..." >&2
CGO_ENABLED=0 go build -trimpath -o "$out.tmp" .
mv -f "$out.tmp" "$out"
echo "embedded-db: built $out" >&2
