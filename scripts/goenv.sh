# Build settings shared by scripts/test.sh, scripts/build.sh and
# scripts/bench.sh (source it). docs/build-cost.md has the measurements.
#
# - No DWARF and no symbol table in linked binaries (-s -w): the Pulumi
#   program and the test binaries are not debugged with a debugger, and the
#   linker then writes a third less and runs faster. Only link flags change,
#   so compiled packages stay shared between go build and go test.
# - Through GOFLAGS, so `pulumi up` (whose Go language host runs `go build`
#   with the caller's environment) gets the same flags.
# The value is quoted for cmd/go's GOFLAGS parser (it has a space).
case " ${GOFLAGS:-} " in
*"-ldflags="*) ;; # the caller chose link flags
*) GOFLAGS="${GOFLAGS:+$GOFLAGS }'-ldflags=-s -w'" ;;
esac
export GOFLAGS

# sdk_packages PATTERN...: the packages, outside this module and the standard
# library, that PATTERN's builds and tests depend on (the SDKs and their
# dependencies), for compiling them on their own with -p 1.
sdk_packages() {
  go list -deps -test -f '{{if and (not .Standard) .Module}}{{if not .Module.Main}}{{.ImportPath}}{{end}}{{end}}' "$@" | sort -u
}

# LKINFRA_BUILD_P is the -p for compiling the SDKs. The largest Pulumi SDK
# packages take 3-6 GB each to compile (azure-native network 5.5 GiB, gcp
# compute 5 GiB), so two at once need about 11 GB. Below 12 GiB of memory
# they compile one at a time: the same CPU time, a peak of one compile, and
# about twice the wall time on 2 cores.
if [ -z "${LKINFRA_BUILD_P:-}" ]; then
  if [ "$(awk '/^MemTotal:/{print $2}' /proc/meminfo 2>/dev/null || echo 0)" -lt 12582912 ]; then
    LKINFRA_BUILD_P=1
  else
    LKINFRA_BUILD_P=$(nproc 2>/dev/null || echo 2)
  fi
fi
export LKINFRA_BUILD_P

# compile_deps PATTERN...: compile sdk_packages with -p $LKINFRA_BUILD_P.
compile_deps() {
  sdk_packages "$@" | xargs go build -p "$LKINFRA_BUILD_P"
}

# build_lowmem OUT PKG: PKG's dependencies compiled as compile_deps does,
# then PKG built to OUT.
build_lowmem() {
  compile_deps "$2"
  go build -o "$1" "$2"
}
