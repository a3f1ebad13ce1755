package observability

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// RemoteWrite is one Prometheus remote_write entry, the subset this program
// renders.
type RemoteWrite struct {
	URL   string `yaml:"url"`
	Name  string `yaml:"name,omitempty"`
	SigV4 *SigV4 `yaml:"sigv4,omitempty"`
	// AzureAD signs remote writes into an Azure Monitor workspace.
	AzureAD *AzureAD `yaml:"azuread,omitempty"`
	// WriteRelabelConfigs choose what leaves the region.
	WriteRelabelConfigs []RelabelConfig `yaml:"write_relabel_configs,omitempty"`
}

// SigV4 signs remote writes for Amazon Managed Service for Prometheus.
// Without RoleARN the AWS SDK's default chain supplies the credentials
// (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE: the writer role itself);
// with it, those credentials assume RoleARN (an AWS collector's own role
// assuming the central writer role).
type SigV4 struct {
	Region  string `yaml:"region"`
	RoleARN string `yaml:"role_arn,omitempty"`
}

// AzureAD authenticates a remote write with Microsoft Entra ID: a
// user-assigned managed identity's token from the instance metadata
// service (no secret in the file; Azure Monitor refuses a system-assigned
// one for remote write).
type AzureAD struct {
	Cloud           string               `yaml:"cloud"`
	ManagedIdentity AzureManagedIdentity `yaml:"managed_identity"`
}

// AzureManagedIdentity names the identity by its client ID.
type AzureManagedIdentity struct {
	ClientID string `yaml:"client_id"`
}

// AzureMonitorRemoteWriteName names the remote_write entry into a region's
// Azure Monitor workspace.
const AzureMonitorRemoteWriteName = "azure-monitor"

var azureIngestURL = regexp.MustCompile(`^https://[A-Za-z0-9-]+\.[a-z0-9]+-\d+\.metrics\.ingest\.monitor\.azure\.com/dataCollectionRules/dcr-[0-9a-f]+/streams/Microsoft-PrometheusMetrics/api/v1/write\?api-version=[0-9-]+$`)
var uuidRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// AzureMonitorRemoteWrite is a remote write into an Azure Monitor
// workspace through its data collection endpoint and rule, as the
// user-assigned identity clientID (Monitoring Metrics Publisher on the
// rule).
func AzureMonitorRemoteWrite(url, clientID string) (RemoteWrite, error) {
	var problems []string
	if !azureIngestURL.MatchString(url) {
		problems = append(problems, fmt.Sprintf("%q is not an Azure Monitor metrics ingestion URL (https://<endpoint>.<region>-<n>.metrics.ingest.monitor.azure.com/dataCollectionRules/dcr-.../streams/Microsoft-PrometheusMetrics/api/v1/write?api-version=...)", url))
	}
	if !uuidRe.MatchString(strings.ToLower(clientID)) {
		problems = append(problems, fmt.Sprintf("managed identity client ID %q is not a UUID", clientID))
	}
	if len(problems) > 0 {
		return RemoteWrite{}, fmt.Errorf("observability: %s", strings.Join(problems, "; "))
	}
	return RemoteWrite{
		URL: url, Name: AzureMonitorRemoteWriteName,
		AzureAD: &AzureAD{Cloud: "AzurePublic", ManagedIdentity: AzureManagedIdentity{ClientID: clientID}},
	}, nil
}

// Central is where a region's collector writes for the central view: the
// global stack's centralMetrics.remoteWriteUrl and this region's writer
// role (centralMetrics.writerRoleArns).
type Central struct {
	URL     string
	RoleARN string
	// AssumeRole: the collector has credentials of its own and assumes
	// RoleARN (AWS); otherwise its web identity token is for RoleARN.
	AssumeRole bool
	// Unsigned drops SigV4: only for a loopback receiver in tests.
	Unsigned bool
}

// CentralRemoteWriteName names the central view's remote_write entry.
const CentralRemoteWriteName = "livekit-central"

// CentralKeep is what leaves a region for the central view: the series of
// the LiveKit jobs and the region's alerts (the same selection as
// FederationMatch), as a keep rule on "__name__;job".
const CentralKeep = `ALERTS;.*|[^;]*;livekit.*`

var ampWriteURL = regexp.MustCompile(`^https://aps-workspaces\.([a-z0-9-]+)\.amazonaws\.com/workspaces/ws-[0-9a-zA-Z-]+/api/v1/remote_write$`)

// AMPRegion is the AWS region of an AMP remote-write URL ("" when it is not
// one).
func AMPRegion(u string) string {
	m := ampWriteURL.FindStringSubmatch(u)
	if m == nil {
		return ""
	}
	return m[1]
}

// CentralRemoteWrite renders the region's remote write to the central view.
// Every series carries the region's labels through the writer's
// external_labels (RegionalPrometheus, AgentPrometheus).
func (c Central) RemoteWrite() (RemoteWrite, error) {
	rw := RemoteWrite{
		URL:  c.URL,
		Name: CentralRemoteWriteName,
		WriteRelabelConfigs: []RelabelConfig{{
			SourceLabels: []string{"__name__", "job"}, Separator: ";",
			Regex: CentralKeep, Action: "keep",
		}},
	}
	if c.Unsigned {
		u, err := url.Parse(c.URL)
		if err != nil || u.Scheme != "http" || !strings.HasPrefix(u.Host, "127.0.0.1:") {
			return RemoteWrite{}, fmt.Errorf("observability: an unsigned central remote write is for a loopback receiver only, not %q", c.URL)
		}
		return rw, nil
	}
	region := AMPRegion(c.URL)
	if region == "" {
		return RemoteWrite{}, fmt.Errorf("observability: central remote-write URL %q is not an AMP workspace's (https://aps-workspaces.<region>.amazonaws.com/workspaces/ws-.../api/v1/remote_write)", c.URL)
	}
	if c.RoleARN == "" {
		return RemoteWrite{}, fmt.Errorf("observability: the central remote write needs the region's writer role")
	}
	rw.SigV4 = &SigV4{Region: region}
	if c.AssumeRole {
		rw.SigV4.RoleARN = c.RoleARN
	}
	return rw, nil
}

// RegionalPrometheusWriting is RegionalPrometheus that also remote-writes
// its LiveKit series and alerts to the central view.
func (r Region) RegionalPrometheusWriting(t Targets, ruleFile string, c Central) (PrometheusConfig, error) {
	cfg, err := r.RegionalPrometheus(t, ruleFile)
	if err != nil {
		return PrometheusConfig{}, err
	}
	rw, err := c.RemoteWrite()
	if err != nil {
		return PrometheusConfig{}, err
	}
	cfg.RemoteWrite = []RemoteWrite{rw}
	return cfg, nil
}

// AgentPrometheus is the configuration of a Prometheus in agent mode
// (--agent: scrape and remote write only, no rules, no local queries)
// running in a GKE or AKS cluster, whose managed Prometheus cannot write
// out: it scrapes jobs and writes them, labelled with the region, to the
// central view.
func (r Region) AgentPrometheus(jobs []ScrapeConfig, c Central) (PrometheusConfig, error) {
	if err := r.Validate(); err != nil {
		return PrometheusConfig{}, err
	}
	if len(jobs) == 0 {
		return PrometheusConfig{}, fmt.Errorf("observability: the metrics agent has no scrape job")
	}
	rw, err := c.RemoteWrite()
	if err != nil {
		return PrometheusConfig{}, err
	}
	return r.agent(jobs, rw), nil
}

// AgentPrometheusTo is a Prometheus agent's configuration writing jobs to
// rw (e.g. AzureMonitorRemoteWrite: a Container Instances group's sidecar
// into the region's Azure Monitor workspace), labelled with the region.
func (r Region) AgentPrometheusTo(jobs []ScrapeConfig, rw ...RemoteWrite) (PrometheusConfig, error) {
	if err := r.Validate(); err != nil {
		return PrometheusConfig{}, err
	}
	if len(jobs) == 0 || len(rw) == 0 {
		return PrometheusConfig{}, fmt.Errorf("observability: the metrics agent needs a scrape job and a remote write (%d, %d)", len(jobs), len(rw))
	}
	return r.agent(jobs, rw...), nil
}

func (r Region) agent(jobs []ScrapeConfig, rw ...RemoteWrite) PrometheusConfig {
	return PrometheusConfig{
		Global:        GlobalConfig{ScrapeInterval: ScrapeInterval, ExternalLabels: r.Labels()},
		ScrapeConfigs: jobs,
		RemoteWrite:   rw,
	}
}

var iamRoleARN = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$`)

// IsRoleARN reports whether s is an IAM role ARN.
func IsRoleARN(s string) bool { return iamRoleARN.MatchString(s) }
