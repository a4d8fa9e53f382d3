#!/usr/bin/env bash
# A throwaway local PostgreSQL for datolite's shared storage: tests, benchmarks, trying it out.
#
#   bash scripts/local-postgres.sh start   # installs PostgreSQL (Debian/Ubuntu, as root) when
#                                          # missing, starts a cluster on 127.0.0.1, prints the URL
#   bash scripts/local-postgres.sh stop    # stops it and deletes its data
#   bash scripts/local-postgres.sh tls     # prints DATOLITE_PG_TLS_URL=… and DATOLITE_PG_TLS_ROOT=…
#                                          # for the TLS tests (eval it)
#
# The cluster lives in $DATOLITE_PG_DIR (default /tmp/datolite-pg), listens on loopback only, on
# $DATOLITE_PG_PORT (default 55432), with trust authentication for user `datolite`: for a
# machine's own tests, never for data that matters. PostgreSQL refuses to run as root, so as
# root the cluster runs as the `postgres` user the Debian package creates.
#
# It also serves TLS, for the TLS tests: a throwaway certificate authority ($dir/ca.crt) signs
# the server's certificate ($dir/server.crt, for localhost and 127.0.0.1), and the role
# `datolite_tls` is admitted only over TLS (pg_hba.conf), so a connection that works as that role
# was encrypted. Plain-text connections as `datolite` keep working.
set -euo pipefail

dir="${DATOLITE_PG_DIR:-/tmp/datolite-pg}"
port="${DATOLITE_PG_PORT:-55432}"
url="postgres://datolite@127.0.0.1:${port}/postgres"
tls_url="postgres://datolite_tls@127.0.0.1:${port}/postgres"

bin_dir() {
  local found
  found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -z "$found" ] && command -v pg_ctl >/dev/null 2>&1; then
    found="$(dirname "$(command -v pg_ctl)")"
  fi
  printf '%s' "$found"
}

# Writes the certificate authority, the server's certificate and key (EC P-256, 30 days) and a
# pg_hba.conf that admits `datolite_tls` only over TLS, into the new cluster's directory.
tls_setup() {
  local tmp
  if ! command -v openssl >/dev/null 2>&1; then
    echo "openssl is missing: it makes the cluster's TLS certificates (apt-get install openssl)" >&2
    exit 1
  fi
  tmp="$(mktemp -d)"
  openssl req -x509 -new -nodes -days 30 -subj "/CN=datolite test CA" \
    -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -keyout "$tmp/ca.key" -out "$dir/ca.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null
  openssl req -new -nodes -subj "/CN=localhost" \
    -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -keyout "$dir/server.key" -out "$tmp/server.csr" \
    2>/dev/null
  printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "basicConstraints=CA:FALSE" \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" > "$tmp/server.ext"
  openssl x509 -req -in "$tmp/server.csr" -CA "$dir/ca.crt" -CAkey "$tmp/ca.key" -CAserial "$tmp/ca.srl" -CAcreateserial \
    -days 30 -extfile "$tmp/server.ext" -out "$dir/server.crt" 2>/dev/null
  rm -rf "$tmp"
  # First match wins: the TLS-only role is rejected over plain text, everyone else trusted.
  printf '%s\n' "local all all trust" \
    "hostnossl all datolite_tls 127.0.0.1/32 reject" \
    "host all all 127.0.0.1/32 trust" > "$dir/pg_hba.conf"
  chmod 600 "$dir/server.key"
  chmod 644 "$dir/ca.crt" "$dir/server.crt"
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$dir/server.key" "$dir/server.crt" "$dir/ca.crt" "$dir/pg_hba.conf"
  fi
}

# Runs a command as the cluster's owner: `postgres` when we are root, else ourselves.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    su -s /bin/bash postgres -c "$(printf '%q ' "$@")"
  else
    "$@"
  fi
}

case "${1:-start}" in
  start)
    if [ -z "$(bin_dir)" ]; then
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing PostgreSQL from the distribution's packages…" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql openssl >/dev/null
      else
        echo "PostgreSQL is not installed: install it (e.g. apt-get install postgresql) or run a container: docker run -d -p ${port}:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_USER=datolite postgres:15" >&2
        exit 1
      fi
    fi
    bin="$(bin_dir)"
    if [ -f "$dir/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
      echo "already running in $dir" >&2
    else
      rm -rf "$dir"
      mkdir -p "$dir"
      [ "$(id -u)" = 0 ] && chown postgres "$dir"
      as_owner "$bin/initdb" -D "$dir" -U datolite --auth=trust -E UTF8 >/dev/null
      tls_setup
      as_owner "$bin/pg_ctl" -D "$dir" -w -l "$dir/server.log" \
        -o "-p $port -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200 -c ssl=on" start >/dev/null ||
        { tail -n 4 "$dir/server.log" >&2; echo "(another server on port $port? set DATOLITE_PG_PORT)" >&2; exit 1; }
      "$bin/psql" -q -X -d "$url?sslmode=disable" -c "CREATE ROLE datolite_tls LOGIN SUPERUSER" >/dev/null
    fi
    echo "PostgreSQL is up: export DATOLITE_PG_URL=$url" >&2
    printf '%s\n' "$url"
    ;;
  tls)
    if [ ! -f "$dir/ca.crt" ]; then
      echo "no TLS setup in $dir (a cluster started by an older version of this script?): stop it, then start it again" >&2
      exit 1
    fi
    printf 'DATOLITE_PG_TLS_URL=%q\nDATOLITE_PG_TLS_ROOT=%q\n' "$tls_url" "$dir/ca.crt"
    ;;
  stop)
    bin="$(bin_dir)"
    if [ -n "$bin" ] && [ -d "$dir" ]; then
      as_owner "$bin/pg_ctl" -D "$dir" -m fast stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: bash scripts/local-postgres.sh start|stop|tls" >&2
    exit 2
    ;;
esac
