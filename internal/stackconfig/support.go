package stackconfig

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Support is one pinned platform version's support window: the key that
// pins it, the values it covers, the last day it is supported and where that
// date comes from. Pinned versions expire silently: `lkinfra plan` warns
// from WarnDays before End (SupportWarnings), offline, from this table.
type Support struct {
	Key   string // bare livekit-infra key, e.g. azureKubernetesVersion
	Match string // the value's support unit (see supportUnit): "1.36", "v1.21", "7.1", "*" for any value
	What  string // what reaches end of support
	// End is the last supported day (UTC). Zero: no end announced as of
	// Checked; the entry then asks for a re-check a year after Checked.
	End      time.Time
	Estimate bool   // End is estimated from the vendor's cadence, not announced
	Note     string // what ending means here, or what to do
	Source   string
	Checked  time.Time // when End and Source were last verified
}

// WarnDays is how long before End a pinned version is reported.
const WarnDays = 90

// recheckAfter is how old the data of an entry without an end date may get.
const recheckAfter = 365 * 24 * time.Hour

func supportDay(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic("settings: support table date " + s)
	}
	return t
}

const (
	aksCalendar = "learn.microsoft.com/azure/aks/supported-kubernetes-versions, \"AKS Kubernetes release calendar\" (MicrosoftDocs/azure-aks-docs, ms.date 2026-08-05); End of life is the last day of the month"
	gkeSchedule = "cloud.google.com/kubernetes-engine/docs/release-schedule, end of maintenance support (as listed by endoflife.date/google-kubernetes-engine, 2026-04-10)"
	ecRedisEOL  = "docs.aws.amazon.com/AmazonElastiCache/latest/dg/engine-versions.html, \"ElastiCache versions for Redis OSS EOL\" (Redis OSS v6: end of standard support 2027-01-31, then paid Extended Support until 2030-01-31)"
	msVersions  = "cloud.google.com/memorystore/docs/redis/supported-versions (supports 3.2 to 7.2; no end of support announced)"
	cmReleases  = "cert-manager.io/docs/releases (cert-manager/website#2007: a release is supported until the second release after it); cert-manager/testing#1218 (1.19 unsupported since 1.21, 2026-07-10)"
	acrRetire   = "learn.microsoft.com/azure/azure-cache-for-redis/retirement-faq and cache-whats-new (July 2026 entry, mirrored by api-evangelist/microsoft-azure-cache-for-redis changelog, 2026-09-17): Basic, Standard and Premium retire 2028-09-30; only tenants that had a cache before 2026-04-01 can still create new ones"
)

var checked = supportDay("2026-12-06")

// SupportTable lists every platform version a stack pins. A pinned value
// that is not listed is reported too, so adding a version means adding its
// dates here.
var SupportTable = []Support{
	// AKS minor versions (azureKubernetesVersion). Past End, AKS refuses to
	// create clusters on the version (platform support covers existing ones).
	{Key: "azureKubernetesVersion", Match: "1.32", What: "AKS Kubernetes 1.32", End: supportDay("2026-03-31"), Source: aksCalendar, Checked: checked},
	{Key: "azureKubernetesVersion", Match: "1.33", What: "AKS Kubernetes 1.33", End: supportDay("2026-07-31"), Source: aksCalendar, Checked: checked},
	{Key: "azureKubernetesVersion", Match: "1.34", What: "AKS Kubernetes 1.34", End: supportDay("2026-11-30"), Source: aksCalendar, Checked: checked},
	{Key: "azureKubernetesVersion", Match: "1.35", What: "AKS Kubernetes 1.35", End: supportDay("2027-03-31"), Source: aksCalendar, Checked: checked},
	{Key: "azureKubernetesVersion", Match: "1.36", What: "AKS Kubernetes 1.36", End: supportDay("2027-06-30"), Source: aksCalendar, Checked: checked},
	{Key: "azureKubernetesVersion", Match: "1.37", What: "AKS Kubernetes 1.37", End: supportDay("2027-10-31"), Source: aksCalendar, Checked: checked},

	// GKE minimum versions (gcpKubernetesVersion; empty follows the release
	// channel and needs no entry).
	{Key: "gcpKubernetesVersion", Match: "1.32", What: "GKE 1.32", End: supportDay("2026-04-11"), Source: gkeSchedule, Checked: checked},
	{Key: "gcpKubernetesVersion", Match: "1.33", What: "GKE 1.33", End: supportDay("2026-08-03"), Source: gkeSchedule, Checked: checked},
	{Key: "gcpKubernetesVersion", Match: "1.34", What: "GKE 1.34", End: supportDay("2026-10-01"), Source: gkeSchedule, Checked: checked},
	{Key: "gcpKubernetesVersion", Match: "1.35", What: "GKE 1.35", End: supportDay("2027-04-11"), Source: gkeSchedule, Checked: checked},

	// ElastiCache engine (awsRedisEngineVersion).
	{Key: "awsRedisEngineVersion", Match: "6.2", What: "ElastiCache Redis OSS 6.2 standard support", End: supportDay("2027-01-31"),
		Note: "after it, ElastiCache bills Extended Support; move to 7.1 (or Valkey)", Source: ecRedisEOL, Checked: checked},
	{Key: "awsRedisEngineVersion", Match: "7.0", What: "ElastiCache Redis OSS 7.0", Source: ecRedisEOL + "; none announced for v7", Checked: checked},
	{Key: "awsRedisEngineVersion", Match: "7.1", What: "ElastiCache Redis OSS 7.1", Source: ecRedisEOL + "; none announced for v7", Checked: checked},

	// Memorystore (gcpRedisVersion).
	{Key: "gcpRedisVersion", Match: "REDIS_7_0", What: "Memorystore for Redis 7.0", Source: msVersions, Checked: checked},
	{Key: "gcpRedisVersion", Match: "REDIS_7_2", What: "Memorystore for Redis 7.2", Source: msVersions, Checked: checked},

	// Azure Cache for Redis (azureRedisSku): every SKU of the product
	// retires. Creation for tenants that never had a cache is blocked
	// already, which the first entry reports on every plan: such a tenant's
	// first `pulumi up` fails at the cache (docs/azure.md, "Azure Cache for Redis is retiring").
	{Key: "azureRedisSku", Match: "*", What: "creating Azure Cache for Redis in a tenant without a cache created before 2026-04-01", End: supportDay("2026-03-31"),
		Note: "a new tenant cannot create the cache; Azure Managed Redis is the successor, and the classic pulumi-azure v5.89.0 SDK here cannot create it (its EnterpriseCluster takes only the retired Enterprise SKUs)", Source: acrRetire, Checked: checked},
	{Key: "azureRedisSku", Match: "*", What: "Azure Cache for Redis (Basic, Standard, Premium)", End: supportDay("2028-09-30"),
		Note: "move to Azure Managed Redis before then", Source: acrRetire, Checked: checked},

	// Helm charts.
	{Key: "azureCertManagerChartVersion", Match: "v1.18", What: "cert-manager 1.18", End: supportDay("2026-03-10"), Source: cmReleases, Checked: checked},
	{Key: "azureCertManagerChartVersion", Match: "v1.19", What: "cert-manager 1.19", End: supportDay("2026-07-10"), Source: cmReleases, Checked: checked},
	{Key: "azureCertManagerChartVersion", Match: "v1.20", What: "cert-manager 1.20", End: supportDay("2026-11-30"), Estimate: true, Source: cmReleases + "; 1.22 due about November 2026", Checked: checked},
	{Key: "azureCertManagerChartVersion", Match: "v1.21", What: "cert-manager 1.21", End: supportDay("2027-03-31"), Estimate: true,
		Note: "ends with the release of 1.23, about four months after 1.22", Source: cmReleases, Checked: checked},
	{Key: "azureTraefikChartVersion", Match: "41.3.0", What: "Traefik chart 41.3.0", Source: "github.com/traefik/traefik-helm-chart releases (chart versions carry no end-of-support date)", Checked: checked},
	{Key: "azureLivekitChartVersion", Match: "1.9.0", What: "LiveKit chart 1.9.0", Source: "github.com/livekit/livekit-helm releases (no end-of-support policy)", Checked: checked},
	{Key: "gcpLivekitChartVersion", Match: "1.9.0", What: "LiveKit chart 1.9.0", Source: "github.com/livekit/livekit-helm releases (no end-of-support policy)", Checked: checked},
}

// supportKeys are the keys SupportWarnings checks, per kind.
var supportKeys = map[Kind][]string{
	KindAWS:   {"awsRedisEngineVersion"},
	KindGCP:   {"gcpKubernetesVersion", "gcpRedisVersion", "gcpLivekitChartVersion"},
	KindAzure: {"azureKubernetesVersion", "azureRedisSku", "azureLivekitChartVersion", "azureCertManagerChartVersion", "azureTraefikChartVersion"},
}

var minorRe = regexp.MustCompile(`^(v?[0-9]+\.[0-9]+)(\.[0-9]+.*)?$`)

// supportUnit is the part of a pinned value a support window covers:
// MAJOR.MINOR of Kubernetes versions and of cert-manager, the exact value
// otherwise.
func supportUnit(key, value string) string {
	switch key {
	case "azureKubernetesVersion", "gcpKubernetesVersion", "azureCertManagerChartVersion":
		if m := minorRe.FindStringSubmatch(value); m != nil {
			return m[1]
		}
	}
	return value
}

// SupportWarning is one pinned version at or near its end of support.
type SupportWarning struct {
	Key   string // full key
	Value string
	Text  string
}

func (w SupportWarning) String() string { return fmt.Sprintf("%s = %s: %s", w.Key, w.Value, w.Text) }

// SupportWarnings checks the pinned versions of a stack's raw config (full
// keys to values; unset keys take their Keys default) against SupportTable
// on day now: past End, within WarnDays of it, not in the table, or table
// data older than a year where no end was announced. Offline by design.
func SupportWarnings(values map[string]string, now time.Time) []SupportWarning {
	kind := Kind(values[Namespace+":kind"])
	today := now.UTC().Truncate(24 * time.Hour)
	var out []SupportWarning
	for _, name := range supportKeys[kind] {
		k, ok := KeyByName(name)
		if !ok {
			continue
		}
		v, set := values[k.Full()]
		if !set {
			v, _ = k.Default.(string)
		}
		v = strings.TrimSpace(v)
		if v == "" {
			continue // e.g. gcpKubernetesVersion: the channel's default
		}
		unit := supportUnit(name, v)
		warn := func(text string) { out = append(out, SupportWarning{Key: k.Full(), Value: v, Text: text}) }
		found := false
		for _, s := range SupportTable {
			if s.Key != name || (s.Match != "*" && s.Match != unit) {
				continue
			}
			found = true
			est := ""
			if s.Estimate {
				est = " (estimated)"
			}
			note := ""
			if s.Note != "" {
				note = "; " + s.Note
			}
			switch days := int(s.End.Sub(today).Hours() / 24); {
			case s.End.IsZero():
				if today.Sub(s.Checked) > recheckAfter {
					warn(fmt.Sprintf("%s: no end of support known as of %s; re-check %s and update internal/stackconfig/support.go", s.What, s.Checked.Format("2006-01-02"), s.Source))
				}
			case days < 0:
				warn(fmt.Sprintf("%s ended on %s%s%s (source: %s)", s.What, s.End.Format("2006-01-02"), est, note, s.Source))
			case days <= WarnDays:
				warn(fmt.Sprintf("%s ends on %s%s, in %d days%s (source: %s)", s.What, s.End.Format("2006-01-02"), est, days, note, s.Source))
			}
		}
		if !found {
			warn(fmt.Sprintf("no support dates for %s in internal/stackconfig/support.go: add its end of support and source before deploying it", unit))
		}
	}
	return out
}
