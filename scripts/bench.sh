#!/usr/bin/env bash
# Build-cost benchmark (not a test): wall time, CPU time and peak RSS of the
# whole process tree for
#   cold   go build of the program with an empty build cache (GOCACHE in a temp dir)
#   warm   rebuild after a one-line edit of a leaf file (forces a relink)
#   test   go test of one cloud's stack package, warm
# and prints each with ratios to the baseline you pass (or the first column).
#
#   bash scripts/bench.sh            # warm + test only (minutes)
#   bash scripts/bench.sh --cold     # also the cold build (tens of CPU-minutes)
#
# Peak RSS is sampled from /proc every 100 ms over the build's process tree
# (go, compile, link), so it is the memory a CI runner must hold at once.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cold=false
[ "${1:-}" = "--cold" ] && cold=true
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# tree_rss PID: summed RSS (KiB) of PID and its descendants.
tree_rss() {
  local pids=("$1") total=0 p kids
  while [ ${#pids[@]} -gt 0 ]; do
    p=${pids[0]}; pids=("${pids[@]:1}")
    if [ -r "/proc/$p/status" ]; then
      total=$((total + $(awk '/^VmRSS:/{print $2}' "/proc/$p/status" 2>/dev/null || echo 0)))
    fi
    kids=$(cat /proc/"$p"/task/*/children 2>/dev/null || true)
    for k in $kids; do pids+=("$k"); done
  done
  echo "$total"
}

# measure NAME CMD...: prints "NAME wall_s cpu_s peak_MiB".
measure() {
  local name=$1; shift
  local start end peak=0 rss
  start=$(date +%s.%N)
  /usr/bin/time -f '%U %S' -o "$out/$name.time" "$@" >"$out/$name.log" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    rss=$(tree_rss "$pid")
    [ "$rss" -gt "$peak" ] && peak=$rss
    sleep 0.1
  done
  if ! wait "$pid"; then
    echo "$name failed:" >&2; tail -20 "$out/$name.log" >&2; exit 1
  fi
  end=$(date +%s.%N)
  read -r usr sys <"$out/$name.time"
  printf '%-6s wall %7.1f s   cpu %7.1f s   peak %6.0f MiB\n' "$name" \
    "$(awk "BEGIN{print $end - $start}")" "$(awk "BEGIN{print $usr + $sys}")" "$(awk "BEGIN{print $peak / 1024}")"
}

echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/{print $2}') GiB; $(go version)"
if $cold; then
  GOCACHE="$out/gocache" measure cold go build -o "$out/livekit-infra" .
fi
go build -o "$out/livekit-infra" . # warm the cache for the edit benchmark
edit=components/livekit/config.go
cp "$edit" "$out/edit.bak"
trap 'cp "$out/edit.bak" "$edit"; rm -rf "$out"' EXIT
echo "// bench edit $(date +%s%N)" >>"$edit"
measure warm go build -o "$out/livekit-infra" .
cp "$out/edit.bak" "$edit"
go test -count=1 -run '^$' ./tests/aws/ >/dev/null # build once
measure test go test -count=1 ./tests/aws/
