#!/usr/bin/env bash
# Build-cost benchmark (a report, not a test). Every number is printed beside
# the baseline it is judged against, measured in the same run:
#
#   relink  edit -> whole program rebuilt, warm. Baselines: a plain `go build`
#           (what `pulumi up` does by default) and the SDK floor's relink.
#   kind    edit -> one kind's program rebuilt (GOFLAGS=-tags=lkinfra_only,lkinfra_aws).
#   test1   edit -> one cloud's tests pass again (go test ./tests/aws), warm.
#           Baseline: the floor test (same aws SDK packages, one empty test).
#   suite   the whole test suite, warm, as scripts/test.sh runs it
#           (scripts/gotest.sh: every test runs, unchanged test binaries are
#           not relinked): nothing changed, and after an edit in
#           components/aws. Baselines: plain `go test -count=1 ./...` (relinks
#           every test binary) and the suite floor: the same test binaries
#           generated with only their outside imports and one empty test
#           each, run the same way. With --suite-p1 also the suite after an
#           edit every binary depends on, at LKINFRA_BUILD_P=1, as
#           scripts/test.sh runs it below 12 GiB (a 7 GB CI runner).
#   cold    (--cold) cold `go build`, empty GOCACHE, of the program and of
#           the SDK floor: CPU time, wall time and peak RSS of the process
#           tree, with the settings of scripts/goenv.sh (about 15 minutes).
#   lowmem  (--cold-lowmem) the cold build as scripts/test.sh and build.sh do
#           it: the SDKs one package at a time (-p 1), for the peak RSS
#           (about 30 minutes on 2 cores).
#   failover the global stack's worst-case failover time (its output
#           worstCaseFailoverSeconds: health-check interval x threshold +
#           probe timeout + TTL, from Pulumi.global.yaml, by an offline
#           `lkinfra plan`). Baseline: the guide's recovery time objective,
#           300 s.
#   plan    `lkinfra plan --stack S --json` of each committed stack (offline,
#           the binary built beforehand; mean of 5 runs): what a pull
#           request's plan diff and a user's first command wait for.
#           Baseline: the credentials stack (one resource: the fixed cost of
#           a plan).
#   cost    `lkinfra cost --stack S`: the cost per participant-hour with
#           every node full. Baseline: its media share (the per-GB charges
#           of the media the participants receive), which any SFU on that
#           path pays; the ratio is what the deployment costs on top.
#   measured failover  tests/e2e TestFailover: three regions of real LiveKit
#           nodes, a participant connected to gcp-eu (Europe's first
#           region), gcp-eu killed, Route 53's records and health checks
#           from the global plan answered by real probes with Route 53's
#           timing divided by 10; the time from the fault (Redis stopped)
#           to the client connected in the next region, converted back
#           (the Route 53 part x10; LiveKit's 406 delay and the connect as
#           measured), and its DNS part (406 -> the client's resolver
#           answers the next region), which worstCaseFailoverSeconds
#           bounds. Baseline: worstCaseFailoverSeconds of the same plan.
#
# The SDK floor is a generated program that imports exactly the SDK packages
# this program imports (listed by `go list`) and nothing else, built in a
# throwaway module with the same go.mod requirements.
#
#   bash scripts/bench.sh            # warm measurements (a few minutes)
#   bash scripts/bench.sh --cold     # plus cold builds (about 15 more minutes)
#   bash scripts/bench.sh --suite-only [--suite-p1]   # only the suite and runtime rows
#   bash scripts/bench.sh --runtime-only   # only plan time, cost and failover (a few minutes)
#
# Peak RSS is sampled from /proc every 100 ms over the whole process tree (go,
# compile, link, test binaries): the memory a CI runner must hold at once.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
# shellcheck source=scripts/goenv.sh
. scripts/goenv.sh

cold=false
lowmem=false
suite=true
suite_p1=false
suite_only=false
for a in "$@"; do
  case $a in
  --cold) cold=true ;;
  --cold-lowmem) lowmem=true ;;
  --no-suite) suite=false ;;
  --suite-p1) suite_p1=true ;;
  --suite-only) suite_only=true ;;
  --runtime-only) suite_only=true; suite=false ;;
  *) echo "usage: $0 [--cold] [--cold-lowmem] [--no-suite] [--suite-p1] [--suite-only] [--runtime-only]" >&2; exit 2 ;;
  esac
done

out=$(mktemp -d)
edits=()
cleanup() {
  for f in "${edits[@]}"; do cp "$out/bak/$f" "$f"; done
  rm -rf "$out"
}
trap cleanup EXIT
mkdir -p "$out/bak"

# tree_rss PID: summed RSS (KiB) of PID and its descendants.
tree_rss() {
  local pids=("$1") total=0 p kids v
  while [ ${#pids[@]} -gt 0 ]; do
    p=${pids[0]}; pids=("${pids[@]:1}")
    v=$(awk '/^VmRSS:/{print $2}' "/proc/$p/status" 2>/dev/null || true)
    total=$((total + ${v:-0}))
    kids=$(cat /proc/"$p"/task/*/children 2>/dev/null || true)
    for k in $kids; do pids+=("$k"); done
  done
  echo "$total"
}

declare -A WALL CPU PEAK
# measure NAME CMD...: runs CMD, records and prints wall s, CPU s, peak MiB.
measure() {
  local name=$1; shift
  local start end peak=0 rss usr sys
  start=$(date +%s.%N)
  /usr/bin/time -f '%U %S' -o "$out/$name.time" "$@" >"$out/$name.log" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    rss=$(tree_rss "$pid")
    [ "$rss" -gt "$peak" ] && peak=$rss
    sleep 0.1
  done
  if ! wait "$pid"; then
    echo "$name failed:" >&2; tail -30 "$out/$name.log" >&2; exit 1
  fi
  end=$(date +%s.%N)
  read -r usr sys < <(tail -1 "$out/$name.time")
  WALL[$name]=$(awk "BEGIN{printf \"%.1f\", $end - $start}")
  CPU[$name]=$(awk "BEGIN{printf \"%.1f\", $usr + $sys}")
  PEAK[$name]=$(awk "BEGIN{printf \"%.0f\", $peak / 1024}")
  printf '  %-14s wall %7s s   cpu %7s s   peak %6s MiB\n' "$name" "${WALL[$name]}" "${CPU[$name]}" "${PEAK[$name]}"
}

# ratio KIND A B: A/B of a recorded metric (WALL, CPU or PEAK).
ratio() {
  local -n m=$1
  awk "BEGIN{printf \"%.2f\", ${m[$2]} / ${m[$3]}}"
}

# edit FILE: a real code change (an unexported var with a new value), so the
# package recompiles and the binary relinks; restored on exit.
edit() {
  local f=$1
  if [ ! -e "$out/bak/$f" ]; then
    mkdir -p "$out/bak/$(dirname "$f")"; cp "$f" "$out/bak/$f"; edits+=("$f")
  fi
  printf '\nvar benchEdit%s = "%s"\n' "$RANDOM" "$(date +%s%N)" >>"$f"
}

# outside_imports PKG...: the packages outside this module and the standard
# library (importable ones: no internal/) that this module's packages import
# directly, for PKG and its dependencies, tests included.
outside_imports() {
  local mod
  mod=$(go list -m)
  go list -deps -test -f "{{if .Module}}{{if eq .Module.Path \"$mod\"}}{{join .Imports \"\n\"}}{{end}}{{end}}" "$@" |
    { grep -E '^[^/]+\.[^/]+/' || true; } | { grep -v "^$mod" || true; } | { grep -vE '(^|/)internal(/|$)' || true; } |
    sort -u
}

# sdk_imports PKG...: of those, the SDK packages (github.com/pulumi/...).
sdk_imports() { outside_imports "$@" | { grep -E '^github\.com/pulumi/' || true; }; }

# The SDK floor module: floor/all (the whole program's SDK imports) and
# floor/aws (tests/aws's SDK imports, as a test).
floor=$out/floor
mkdir -p "$floor/all" "$floor/aws"
sed '1s#.*#module lkinfra.floor#' go.mod >"$floor/go.mod"
cp go.sum "$floor/go.sum"
{
  echo "// Code generated by scripts/bench.sh. DO NOT EDIT."
  echo "package main"
  echo "import ("
  sdk_imports . | sed 's/.*/\t_ "&"/'
  echo ")"
  echo "func main() {}"
} >"$floor/all/main.go"
{
  echo "package aws"
  echo "import ("
  echo "	\"testing\""
  sdk_imports ./tests/aws | sed 's/.*/\t_ "&"/'
  echo ")"
  echo "func TestFloor(t *testing.T) {}"
} >"$floor/aws/floor_test.go"
echo "package aws" >"$floor/aws/doc.go"
floor_edit() { printf '\nvar benchEdit%s = "%s"\n' "$RANDOM" "$(date +%s%N)" >>"$1"; }

# The suite floor: floor/suite/<pkg> for every package of ours with tests,
# importing what that package's test binary imports from outside this module
# (SDKs, LiveKit's packages, ...), with one empty test.
suite_floor() {
  local mod p n
  mod=$(go list -m)
  for p in $(go list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' ./...); do
    n=$(echo "${p#"$mod"/}" | tr '/.-' '___')
    mkdir -p "$floor/suite/$n"
    {
      echo "package $n"
      echo "import ("
      echo '	"testing"'
      outside_imports "$p" | sed 's/.*/\t_ "&"/'
      echo ")"
      echo "func TestFloor(t *testing.T) {}"
    } >"$floor/suite/$n/floor_test.go"
  done
}

echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/{print $2}') GiB; $(go version)"
echo "settings: GOFLAGS=$GOFLAGS GOMAXPROCS=${GOMAXPROCS:-} GOGC=${GOGC:-}"
echo "SDK packages imported: program $(sdk_imports . | wc -l), tests/aws $(sdk_imports ./tests/aws | wc -l)"

if $cold; then
  echo "cold go build, empty GOCACHE each (the floor first):"
  GOCACHE="$out/cache-floor" measure cold-floor go -C "$floor" build -o "$out/floor-bin" ./all
  rm -rf "$out/cache-floor"
  GOCACHE="$out/cache-prog" measure cold-prog go build -o "$out/prog-bin" .
  rm -rf "$out/cache-prog"
fi
if $lowmem; then
  echo "cold low-memory build (build_lowmem: SDKs with -p 1, then the link), empty GOCACHE:"
  GOCACHE="$out/cache-low" LKINFRA_BUILD_P=1 measure cold-lowmem bash -c ". scripts/goenv.sh && build_lowmem '$out/prog-bin' ."
  rm -rf "$out/cache-low"
fi

if ! $suite_only; then
echo "warming the build cache"
go build -o "$out/prog-bin" .
GOFLAGS= go build -o "$out/naive-bin" .
GOFLAGS="$GOFLAGS -tags=lkinfra_only,lkinfra_aws" go build -o "$out/aws-bin" .
go test -count=1 -run '^$' ./tests/aws >/dev/null
go -C "$floor" build -o "$out/floor-bin" ./all
go -C "$floor" test -count=1 ./aws >/dev/null

echo "edit -> program rebuilt (warm):"
# The edit is in components/livekit, which every stack imports: with Go's
# unified export data any change recompiles the packages that import it.
floor_edit "$floor/all/main.go"
measure relink-floor go -C "$floor" build -o "$out/floor-bin" ./all
edit components/livekit/config.go
GOFLAGS= measure relink-naive go build -o "$out/naive-bin" .
edit components/livekit/config.go
measure relink go build -o "$out/prog-bin" .
# buildTarget: an unchanged program is not relinked when the target exists.
measure unchanged go build -o "$out/prog-bin" .
# Pulumi's default (no buildTarget) builds to a new temporary file per run,
# so an unchanged program is relinked every time.
measure unchanged-tmp go build -o "$out/fresh-bin" .
edit components/livekit/config.go
GOFLAGS="$GOFLAGS -tags=lkinfra_only,lkinfra_aws" measure relink-aws go build -o "$out/aws-bin" .
# An edit inside one cloud's component: only that cloud's packages (and the
# global stack, which uses the AWS components) recompile.
go build -o "$out/prog-bin" .
edit components/aws/network.go
measure relink-cloud go build -o "$out/prog-bin" .

echo "edit -> one cloud's tests pass (warm):"
floor_edit "$floor/aws/doc.go"
measure test1-floor go -C "$floor" test -count=1 ./aws
edit components/aws/network.go
measure test1 go test -count=1 ./tests/aws
fi

if $suite; then
  echo "whole test suite (warm):"
  # shellcheck source=/dev/null
  . "${LIVEKIT_INFRA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/livekit-infra}/env" 2>/dev/null || true
  export LIVEKIT_SERVER_BIN REDIS_SERVER_BIN PULUMI_BIN
  if [ -z "${PULUMI_BIN:-}" ] || [ -z "${LIVEKIT_SERVER_BIN:-}" ]; then
    echo "the suite needs PULUMI_BIN and LIVEKIT_SERVER_BIN (run scripts/install-test-deps.sh), or the engine and e2e tests skip" >&2
    exit 1
  fi
  suite_floor
  go -C "$floor" test -count=1 ./suite/... >/dev/null
  go test -count=1 -run '^$' ./... >/dev/null
  bash scripts/gotest.sh >/dev/null # binaries up to date, durations known
  measure suite bash scripts/gotest.sh
  measure suite-floor go -C "$floor" test -p "$(nproc)" -count=1 ./suite/...
  measure suite-gotest go test -p "$(nproc)" -count=1 ./...
  edit components/aws/network.go
  measure suite-edit bash scripts/gotest.sh
  if $suite_p1; then
    edit components/livekit/config.go
    LKINFRA_BUILD_P=1 measure suite-p1 bash scripts/gotest.sh
  fi
  # Nothing changed since the last run: go test reports cached results
  # without building or linking anything (and runs no test).
  go test ./... >/dev/null
  measure suite-cached go test ./...
fi

echo "failover (offline plan of the global stack):"
GOFLAGS="$GOFLAGS -tags=lkinfra_only,lkinfra_global" go build -o "$out/lkinfra-global" ./cmd/lkinfra
"$out/lkinfra-global" plan --stack global --json 2>/dev/null >"$out/global-plan.json"
failover=$(grep -o '"worstCaseFailoverSeconds": *[0-9]*' "$out/global-plan.json" | grep -o '[0-9]*$') ||
  { echo "no worstCaseFailoverSeconds in the global stack's plan ($out/global-plan.json)" >&2; exit 1; }
ttl=$(grep -o '"ttlSeconds": *[0-9]*' "$out/global-plan.json" | grep -o '[0-9]*$')
guide_rto=300 # the guide: "Recovery Time Objective (RTO): 5 minutes"
printf '  worst-case failover %s s (DNS TTL %s s)\n' "$failover" "$ttl"

echo "plan time (offline, 5 runs each) and cost per participant-hour:"
stacks=(aws-prod aws-eks gcp-eu azure-asia azure-aci global)
go build -o "$out/lkinfra" ./cmd/lkinfra
declare -A PPH MEDIA
for s in credentials "${stacks[@]}"; do
  measure "plan-$s" bash -c 'for i in 1 2 3 4 5; do "$0" plan --stack "$1" --json >/dev/null; done' "$out/lkinfra" "$s"
  WALL[plan-$s]=$(awk -v w="${WALL[plan-$s]}" 'BEGIN { printf "%.2f", w / 5 }')
  "$out/lkinfra" cost --stack "$s" --json 2>/dev/null >"$out/cost-$s.json"
  # the figures inside perParticipantHour (absent for stacks without nodes)
  PPH[$s]=$(grep -o '"perParticipantHour": *[0-9][0-9.e-]*' "$out/cost-$s.json" | grep -o '[0-9][0-9.e-]*$' || true)
  MEDIA[$s]=$(grep -o '"mediaPerParticipantHour": *[0-9][0-9.e-]*' "$out/cost-$s.json" | grep -o '[0-9][0-9.e-]*$' || true)
done

echo "measured failover (tests/e2e TestFailover, real nodes, Route 53 timing scaled down):"
# shellcheck source=/dev/null
. "${LIVEKIT_INFRA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/livekit-infra}/env" 2>/dev/null || true
export LIVEKIT_SERVER_BIN REDIS_SERVER_BIN
if [ -z "${LIVEKIT_SERVER_BIN:-}" ] || [ -z "${REDIS_SERVER_BIN:-}" ]; then
  echo "the measured failover needs LIVEKIT_SERVER_BIN and REDIS_SERVER_BIN (run scripts/install-test-deps.sh)" >&2
  exit 1
fi
CI=true LKINFRA_FAILOVER_REPORT="$out/failover.json" TESTFLAGS='-test.run=^TestFailover$' \
  measure failover-e2e bash scripts/gotest.sh ./tests/e2e
# report KEY: a number of the test's JSON report, to 0.1.
report() { grep -o "\"$1\": *[0-9.]*" "$out/failover.json" | grep -o '[0-9.]*$' | awk '{ printf "%.1f", $1 }'; }
m_factor=$(report factor | cut -d. -f1)
m_total=$(report faultToReconnectConvertedSeconds)
m_total_scaled=$(report faultToReconnectScaledSeconds)
m_dns=$(report dnsFailoverConvertedSeconds)
m_dns_scaled=$(report dnsFailoverScaledSeconds)
m_worst=$(report worstCaseFailoverSeconds | cut -d. -f1)
if [ "$m_worst" != "$failover" ]; then
  echo "the test's global plan says worstCaseFailoverSeconds $m_worst, lkinfra plan $failover" >&2
  exit 1
fi
printf '  fault -> reconnect %s s at 1/%s (converted %s s); DNS part %s s at 1/%s (converted %s s)\n' \
  "$m_total_scaled" "$m_factor" "$m_total" "$m_dns_scaled" "$m_factor" "$m_dns"

echo
echo "| measurement | ours | baseline | ratio | target |"
echo "|---|---|---|---|---|"
if $cold; then
  echo "| cold build CPU | ${CPU[cold-prog]} s | floor ${CPU[cold-floor]} s | $(ratio CPU cold-prog cold-floor) | <= 1.05, <= 650 s |"
  echo "| cold build wall | ${WALL[cold-prog]} s | floor ${WALL[cold-floor]} s | $(ratio WALL cold-prog cold-floor) | |"
  echo "| cold build peak RSS (-p $(nproc)) | ${PEAK[cold-prog]} MiB | floor ${PEAK[cold-floor]} MiB | $(ratio PEAK cold-prog cold-floor) | <= 6144 MiB |"
fi
if $lowmem; then
  echo "| cold low-memory build | peak ${PEAK[cold-lowmem]} MiB, cpu ${CPU[cold-lowmem]} s, wall ${WALL[cold-lowmem]} s | | | <= 6144 MiB |"
fi
if ! $suite_only; then
echo "| edit -> program rebuilt, wall | ${WALL[relink]} s | plain go build ${WALL[relink-naive]} s | $(ratio WALL relink relink-naive) | <= 10 s |"
echo "| same, vs the floor's relink | ${WALL[relink]} s | floor ${WALL[relink-floor]} s | $(ratio WALL relink relink-floor) | |"
echo "| edit -> aws-only program rebuilt (-tags=lkinfra_only,lkinfra_aws) | ${WALL[relink-aws]} s | whole program ${WALL[relink]} s | $(ratio WALL relink-aws relink) | |"
echo "| edit in components/aws -> program rebuilt | ${WALL[relink-cloud]} s | floor ${WALL[relink-floor]} s | $(ratio WALL relink-cloud relink-floor) | <= 10 s |"
echo "| unchanged program, go build to buildTarget | ${WALL[unchanged]} s | to a new file (Pulumi's default) ${WALL[unchanged-tmp]} s | $(ratio WALL unchanged unchanged-tmp) | |"
echo "| edit -> aws tests pass, wall | ${WALL[test1]} s | floor ${WALL[test1-floor]} s | $(ratio WALL test1 test1-floor) | <= 5 s |"
echo "| relink peak RSS | ${PEAK[relink]} MiB | plain ${PEAK[relink-naive]} MiB | $(ratio PEAK relink relink-naive) | |"
fi
if $suite; then
  echo "| whole suite, warm (scripts/gotest.sh, nothing changed; every test runs) | ${WALL[suite]} s, ${CPU[suite]} CPU-s | plain go test -count=1 ${WALL[suite-gotest]} s | $(ratio WALL suite suite-gotest) | <= 60 s |"
  echo "| whole suite, warm, vs the suite floor | ${WALL[suite]} s | floor ${WALL[suite-floor]} s | $(ratio WALL suite suite-floor) | |"
  echo "| plain go test -count=1 ./... vs the suite floor | ${WALL[suite-gotest]} s | floor ${WALL[suite-floor]} s | $(ratio WALL suite-gotest suite-floor) | |"
  echo "| whole suite after an edit in components/aws | ${WALL[suite-edit]} s | nothing changed ${WALL[suite]} s | $(ratio WALL suite-edit suite) | |"
  echo "| whole suite peak RSS (-p $(nproc): after the edit; plain go test) | ${PEAK[suite-edit]} MiB; ${PEAK[suite-gotest]} MiB | | | <= 6144 MiB |"
  if $suite_p1; then
    echo "| whole suite after an edit everything depends on, LKINFRA_BUILD_P=1 | ${WALL[suite-p1]} s, peak ${PEAK[suite-p1]} MiB | | | <= 6144 MiB |"
  fi
  echo "| whole suite, nothing changed, plain go test (cached results, no test runs) | ${WALL[suite-cached]} s | scripts/gotest.sh ${WALL[suite]} s | $(ratio WALL suite-cached suite) | |"
fi
for s in "${stacks[@]}"; do
  echo "| plan time, $s (lkinfra plan, offline; peak ${PEAK[plan-$s]} MiB) | ${WALL[plan-$s]} s | credentials stack ${WALL[plan-credentials]} s | $(ratio WALL "plan-$s" plan-credentials) | <= 5 s |"
done
for s in "${stacks[@]}"; do
  [ -n "${PPH[$s]}" ] || continue
  echo "| cost per participant-hour, $s (lkinfra cost, every node full) | \$$(awk -v v="${PPH[$s]}" 'BEGIN { printf "%.4f", v }') | media share \$$(awk -v v="${MEDIA[$s]}" 'BEGIN { printf "%.4f", v }') | $(awk -v a="${PPH[$s]}" -v b="${MEDIA[$s]}" 'BEGIN { printf "%.2f", a / b }') | |"
done
echo "| worst-case failover (global stack, Pulumi.global.yaml; client reconnect on top) | $failover s | the guide's RTO $guide_rto s | $(awk -v a="$failover" -v b="$guide_rto" 'BEGIN { printf "%.2f", a / b }') | <= 90 s |"
echo "| measured failover, fault -> client reconnected in the next region (e2e, Route 53 timing /$m_factor, converted back; measured $m_total_scaled s) | $m_total s | computed worst case $failover s (+ reconnect) | $(awk -v a="$m_total" -v b="$failover" 'BEGIN { printf "%.2f", a / b }') | |"
echo "| same, DNS part: region fails its health check -> the client's resolver answers the next region (measured $m_dns_scaled s x$m_factor) | $m_dns s | computed worst case $failover s | $(awk -v a="$m_dns" -v b="$failover" 'BEGIN { printf "%.2f", a / b }') | <= 1.00 |"
