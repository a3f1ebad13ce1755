#!/usr/bin/env bash
# go test, without relinking test binaries that have not changed.
#
#   bash scripts/gotest.sh [PACKAGE PATTERN...]      # default ./...
#   TESTFLAGS='-test.run=TestX -test.v' bash scripts/gotest.sh ./tests/aws
#
# `go test` links every test binary again on every run that executes tests
# (-count=1, or any change): 13 binaries here, each linking Pulumi SDKs,
# about 60 s on 2 cores before a single test runs (docs/build-cost.md).
# `go test -c -o DIR/` skips the link when the binary in DIR is up to date
# (the same build ID check that makes Pulumi's buildTarget fast), so this
# script builds the test binaries into bin/test/ and then runs each one in
# its package directory, as go test does. Every test runs on every call;
# only the link of unchanged binaries is saved. (Upstream: golang/go#77349
# proposes a go test flag for this.)
#
# Differences from go test, on purpose: `go vet` runs in full (a superset of
# the checks go test runs before testing; cached when warm), beside the
# tests rather than before them, failing the run at the end; results are not
# cached; packages run longest first (durations of the previous run), at
# most $LKINFRA_TEST_P at once (default: one more than the number of cores:
# tests/e2e mostly waits on LiveKit's own timers), all but the longest at a
# lower CPU priority.
# LKINFRA_BUILD_P (scripts/goenv.sh) bounds the links, which is what needs
# memory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/goenv.sh
. scripts/goenv.sh

bindir=${LKINFRA_TESTBIN:-$PWD/bin/test}
run_p=${LKINFRA_TEST_P:-$(($(nproc 2>/dev/null || echo 2) + 1))}
timeout=${LKINFRA_TEST_TIMEOUT:-30m}
read -r -a testflags <<<"${TESTFLAGS:-}"
[ $# -gt 0 ] || set -- ./...
mkdir -p "$bindir"
start=$(date +%s.%N)

# Packages with tests: import path, directory, binary name. go test -c -o
# DIR/ names binaries <package name>.test, so a package whose name is taken
# by an earlier one is built on its own under a name from its import path.
declare -a paths dirs bins batch
declare -A seen
while IFS=$'\t' read -r path dir name; do
  paths+=("$path"); dirs+=("$dir")
  if [ -z "${seen[$name]:-}" ]; then
    seen[$name]=1; bins+=("$bindir/$name.test"); batch+=("$path")
  else
    bins+=("$bindir/$(echo "$path" | tr '/.' '__').test")
  fi
done < <(go list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{"\t"}}{{.Dir}}{{"\t"}}{{.Name}}{{end}}' "$@")
if [ ${#paths[@]} -eq 0 ]; then
  echo "no packages with tests in: $*" >&2
  exit 1
fi

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

# Build (a no-op for every binary that is up to date).
# The Go build ID sits in a binary's first pages; go test -c touches, but does
# not rewrite, an up-to-date binary.
ids() { for f in "$bindir"/*.test; do if [ -e "$f" ]; then echo "${f##*/} $(head -c 8192 "$f" | cksum)"; fi; done | sort; }
before=$(ids)
go test -c -p "$LKINFRA_BUILD_P" -o "$bindir/" "${batch[@]}"
for i in "${!paths[@]}"; do
  case " ${batch[*]} " in *" ${paths[$i]} "*) continue ;; esac
  go test -c -o "${bins[$i]}" "${paths[$i]}"
done
after=$(ids)
linked=$(comm -13 <(echo "$before") <(echo "$after") | awk '{print $1}' | tr '\n' ' ')
build_end=$(date +%s.%N)

# Vet beside the tests (cached when warm; reported at the end). Not beside
# the links, which are what needs memory.
nice -n 10 go vet "$@" >"$logs/vet.log" 2>&1 &
vet_pid=$!

# Run, longest first.
durations=$bindir/durations
touch "$durations"
# A package not run before is guessed from its binary's size (the largest
# link the whole program and run the longest tests): a second per 10 MB.
order=$(for i in "${!paths[@]}"; do
  d=$(awk -v p="${paths[$i]}" '$1 == p {print $2}' "$durations")
  [ -n "$d" ] || d=$(($(stat -c %s "${bins[$i]}") / 10000000))
  echo "$d $i"
done | sort -rn | awk '{print $2}')
# run_one I NICE: runs package I's test binary in its directory.
run_one() {
  local i=$1 t0 rc=0
  t0=$(date +%s.%N)
  (cd "${dirs[$i]}" && exec nice -n "$2" "${bins[$i]}" -test.paniconexit0 -test.timeout="$timeout" "${testflags[@]}") \
    >"$logs/$i.log" 2>&1 || rc=$?
  echo "$rc $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $t0}")" >"$logs/$i.rc"
}
# The longest package is the critical path: the others (and vet) run at a
# lower priority, in the CPU time it leaves.
running=()
prio=0
for i in $order; do
  while [ "$(jobs -rp | grep -cvx "$vet_pid")" -ge "$run_p" ]; do wait -n || true; done
  run_one "$i" "$prio" &
  running+=($!)
  prio=10
done
wait "${running[@]}"
vet_rc=0
wait "$vet_pid" || vet_rc=$?

failed=0
: >"$logs/durations"
for i in "${!paths[@]}"; do
  read -r rc secs <"$logs/$i.rc"
  echo "${paths[$i]} $secs" >>"$logs/durations"
  if [ "$rc" = 0 ]; then
    case " ${testflags[*]} " in *" -test.v "* | *" -test.v=true "*) cat "$logs/$i.log" ;; esac
    printf 'ok  \t%s\t%ss\n' "${paths[$i]}" "$secs"
  else
    failed=1
    cat "$logs/$i.log"
    printf 'FAIL\t%s\t%ss (exit %s)\n' "${paths[$i]}" "$secs" "$rc"
  fi
done
# Keep the durations of packages not run this time; a run with TESTFLAGS
# (say, one test) says nothing of a package's usual duration.
if [ ${#testflags[@]} -eq 0 ]; then
  awk 'NR == FNR {ran[$1] = 1; print; next} !($1 in ran)' "$logs/durations" "$durations" >"$durations.new"
  mv "$durations.new" "$durations"
fi
if [ "$vet_rc" != 0 ]; then
  failed=1
  cat "$logs/vet.log"
  echo "FAIL	go vet $*"
fi
end=$(date +%s.%N)
awk -v b="$(awk "BEGIN{print $build_end - $start}")" -v t="$(awk "BEGIN{print $end - $start}")" -v n="${#paths[@]}" -v l="$linked" \
  'BEGIN{printf "%d packages in %.1f s (build %.1f s; relinked: %s)\n", n, t, b, (l == "" ? "none" : l)}'
exit $failed
