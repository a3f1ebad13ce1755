// Package quantity parses the Kubernetes resource quantities this product
// accepts for the LiveKit pod: CPU as whole or decimal cores ("3", "3.5") or
// millicores ("3500m"), memory in Mi or Gi ("6144Mi", "8Gi"). It is the one
// home of that rule for the config model (internal/stackconfig) and the shared
// workload (components/kubernetes), and imports no SDK.
package quantity

import (
	"regexp"
	"strconv"
	"strings"
)

var (
	cpuRe    = regexp.MustCompile(`^([0-9]+(\.[0-9]+)?|[0-9]+m)$`)
	memoryRe = regexp.MustCompile(`^([0-9]+)(Mi|Gi)$`)
)

// CPUExample and MemoryExample complete error messages.
const (
	CPUExample    = "a Kubernetes CPU quantity such as 3 or 3500m"
	MemoryExample = "a Kubernetes memory quantity such as 8Gi or 6144Mi"
)

// CPU returns s in cores.
func CPU(s string) (float64, bool) {
	if !cpuRe.MatchString(s) {
		return 0, false
	}
	if m, ok := strings.CutSuffix(s, "m"); ok {
		v, err := strconv.Atoi(m)
		return float64(v) / 1000, err == nil
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

// MemoryGiB returns s in GiB.
func MemoryGiB(s string) (float64, bool) {
	m := memoryRe.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	v, err := strconv.Atoi(m[1])
	if err != nil {
		return 0, false
	}
	if m[2] == "Mi" {
		return float64(v) / 1024, true
	}
	return float64(v), true
}
