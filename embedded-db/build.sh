#!/usr/bin/env bash
# Builds the embedded MongoDB-compatible database (FerretDB v1 + SQLite) to
# embedded-db/bin/invites-embedded-db. Skips the build when the binary is newer
# than the Go sources, go.mod, go.sum and the patches. Needs Go (>= 1.24), `patch` and the
# Go module proxy.
#
# With --optional (what `npm run build`, and so `npm ci` and `npm start`, pass) a missing Go or
# `patch` is one line and exit 0: a host on MongoDB (MONGODB_URI) never needs the engine. Without
# it (`npm run build:db`) that line is an error, so whoever asked for the engine learns it failed.
#
# FerretDB is built from the module proxy's v1.24.2 with the patches in patches/
# applied (FerretDB v1 takes no more fixes upstream): a copy of the module goes to
# .build/, and a go.mod of our own in .build/ points the build at that copy.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

optional=false
[[ "${1:-}" == --optional ]] && optional=true

out=bin/invites-embedded-db
patches=(patches/*.patch)

up_to_date() {
  [[ -x "$out" ]] || return 1
  local f
  for f in go.mod go.sum *.go */*.go "${patches[@]}"; do [[ "$out" -nt "$f" ]] || return 1; done
}

if up_to_date; then
  echo "embedded-db: $out is up to date" >&2
  exit 0
fi

missing=()
for tool in go patch; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("'$tool'")
done
if ((${#missing[@]})); then
  echo "embedded-db: the embedded database was not built (${missing[*]} not found in PATH): set MONGODB_URI to use MongoDB, or install Go >= 1.24 and patch, then run \"npm run build:db\"" >&2
  $optional && exit 0
  exit 1
fi

echo "embedded-db: building $out ..." >&2
module=github.com/FerretDB/FerretDB
version=$(go list -m -f '{{.Version}}' "$module")
go mod download "$module@$version"
src=$(go list -m -f '{{.Dir}}' "$module")

rm -rf .build
mkdir -p .build bin
cp -R "$src" .build/ferretdb
chmod -R u+w .build/ferretdb
for p in "${patches[@]}"; do
  patch --quiet --forward --strip=1 --directory=.build/ferretdb <"$p"
done
cp go.mod .build/go.mod
cp go.sum .build/go.sum
go mod edit -modfile=.build/go.mod -replace "$module=./.build/ferretdb"

CGO_ENABLED=0 go build -modfile=.build/go.mod -trimpath -o "$out.tmp" .
mv -f "$out.tmp" "$out"
rm -rf .build
echo "embedded-db: built $out (FerretDB $version + ${#patches[@]} patch(es))" >&2
