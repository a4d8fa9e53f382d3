#!/usr/bin/env bash
# A real full disk (a 4 MiB tmpfs; needs root to mount): writes fail with "disk full", with and
# without a write map, exit 1 and never a signal, and the database checks clean afterwards.
# The file-size-limit simulation of the same faults runs in `cargo test` (crates/cli/tests/faults.rs).
set -euo pipefail
bin="$1"
mnt="$(mktemp -d)"
work="$(mktemp -d)"
mount -t tmpfs -o size=4m tmpfs "$mnt"
trap 'umount "$mnt" 2>/dev/null || true; rm -rf "$mnt" "$work"' EXIT
printf '[{:db/ident :n :db/valueType :db.type/long :db/cardinality :db.cardinality/one}
 {:db/ident :s :db/valueType :db.type/string :db/cardinality :db.cardinality/one}]' > "$work/schema.edn"
python3 -c "print('[' + ' '.join('{:n %d :s \"%s%d\"}' % (i, 'x' * 100, i) for i in range(30000)) + ']')" > "$work/big.edn"

expect_disk_full() { # DB [VAR=VALUE...]
  local db="$1"; shift
  set +e
  env "$@" "$bin" --db "$db" transact "$work/big.edn" > /dev/null 2> "$work/err"
  local code=$?
  set -e
  if [ "$code" -ne 1 ] || ! grep -q "disk full" "$work/err"; then
    echo "expected exit 1 and 'disk full', got exit $code: $(cat "$work/err")" >&2
    exit 1
  fi
  "$bin" --db "$db" check > /dev/null
  echo "ok: $(cat "$work/err")"
}

"$bin" --db "$mnt/a" transact "$work/schema.edn" > /dev/null
expect_disk_full "$mnt/a"
rm -rf "$mnt/a"
DATOLITE_LMDB_WRITE_MAP=true DATOLITE_LMDB_MAP_SIZE=1MiB "$bin" --db "$mnt/b" transact "$work/schema.edn" > /dev/null
expect_disk_full "$mnt/b" DATOLITE_LMDB_WRITE_MAP=true DATOLITE_LMDB_MAP_SIZE=1MiB
echo "full-disk faults ok"
