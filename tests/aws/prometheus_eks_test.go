package aws_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	awsc "github.com/livekit-infra/livekit-infra/components/aws"
	lkk8s "github.com/livekit-infra/livekit-infra/components/kubernetes"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/internal/plan"
	"github.com/livekit-infra/livekit-infra/tests/internal/promtool"
)

// An EKS region's managed Prometheus (#18): the same workspace and rules as
// Fargate, fed by an AMP managed collector (no agent in the cluster) whose
// own security group alone reaches the nodes' metrics port.
const (
	tScraper      = "aws:amp/scraper:Scraper"
	tAccessEntry  = "aws:eks/accessEntry:AccessEntry"
	tAccessPolicy = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
)

func TestEKSManagedScraper(t *testing.T) {
	p := eksStack(t)
	ws := child(t, p, tPrometheus, tWorkspace, "")
	sc := child(t, p, tPrometheus, tScraper, "-scraper")
	sg := child(t, p, tPrometheus, tSG, "-scraper")
	if got := str(t, sc, "destination.amp.workspaceArn"); got != workspaceArn(ws) {
		t.Errorf("scraper writes to %q, want the region's workspace %s", got, workspaceArn(ws))
	}
	if got := list(t, sc, "source.eks.securityGroupIds"); !slices.Equal(got, []string{sg.ID}) {
		t.Errorf("scraper security groups %v, want its own %s only", got, sg.ID)
	}
	if n := len(list(t, sc, "source.eks.subnetIds")); n < 2 {
		t.Errorf("scraper in %d subnets; AMP needs two zones at least", n)
	}
	if str(t, sc, "source.eks.clusterArn") == "" {
		t.Error("scraper has no cluster")
	}

	// The scrape: LiveKit's pods of its namespace at their pod IP on the
	// rendered config's prometheus.port, with the region's labels.
	var cfg observability.PrometheusConfig
	if err := yaml.Unmarshal([]byte(str(t, sc, "scrapeConfiguration")), &cfg); err != nil {
		t.Fatal(err)
	}
	// aws-eks runs Egress: its pods are the second job.
	if len(cfg.ScrapeConfigs) != 2 || cfg.ScrapeConfigs[0].JobName != observability.JobLiveKit || cfg.ScrapeConfigs[1].JobName != observability.JobEgress {
		t.Fatalf("scrape configs %+v, want the livekit and livekit-egress jobs", cfg.ScrapeConfigs)
	}
	eg := cfg.ScrapeConfigs[1]
	if sd := eg.KubernetesSDConfigs; len(sd) != 1 || sd[0].Role != "pod" || sd[0].Namespaces == nil || !slices.Equal(sd[0].Namespaces.Names, []string{lkk8s.EgressNamespace}) {
		t.Errorf("Egress discovery %+v, want the pods of namespace %s", sd, lkk8s.EgressNamespace)
	}
	for _, r := range eg.RelabelConfigs {
		if r.TargetLabel == "__address__" && r.Replacement != fmt.Sprintf("${1}:%d", livekit.EgressPrometheusPort) {
			t.Errorf("Egress scrape address %q, want the pod IP on %d", r.Replacement, livekit.EgressPrometheusPort)
		}
	}
	eg.KubernetesSDConfigs = nil
	eg.StaticConfigs = []observability.StaticConfig{{Targets: []string{"10.40.0.11:9090"}}}
	cfg.ScrapeConfigs[1] = eg
	job := cfg.ScrapeConfigs[0]
	if sd := job.KubernetesSDConfigs; len(sd) != 1 || sd[0].Role != "pod" || sd[0].Namespaces == nil || !slices.Equal(sd[0].Namespaces.Names, []string{"livekit"}) {
		t.Errorf("discovery %+v, want the pods of namespace livekit", sd)
	}
	var port, labels string
	for _, r := range job.RelabelConfigs {
		if r.TargetLabel == "__address__" {
			port = r.Replacement
		}
		if r.TargetLabel == "stack" || r.TargetLabel == "cloud" || r.TargetLabel == "region" {
			labels += r.TargetLabel + "=" + r.Replacement + " "
		}
	}
	if port != fmt.Sprintf("${1}:%d", livekit.PrometheusPort) {
		t.Errorf("scrape address %q, want the pod IP on %d", port, livekit.PrometheusPort)
	}
	if labels != "cloud=aws region=us-west-2 stack=aws-eks " {
		t.Errorf("region labels %q", labels)
	}
	// Debian's promtool has no Kubernetes discovery: the same job with a
	// static target instead passes promtool check config.
	job.KubernetesSDConfigs = nil
	job.StaticConfigs = []observability.StaticConfig{{Targets: []string{"10.40.0.10:6789"}}}
	cfg.ScrapeConfigs[0] = job
	doc, err := observability.MarshalYAML(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := promtool.Check(t, "config", "scraper.yml", doc); err != nil {
		t.Errorf("promtool check config on the scraper's job: %v\n%s", err, out)
	}

	// Read access to the cluster: the pods of the LiveKit namespace only,
	// for the scraper's role named without its service-linked path.
	entry := child(t, p, tPrometheus, tAccessEntry, "-scraper")
	assoc := child(t, p, tPrometheus, tAccessPolicy, "-scraper")
	principal := str(t, entry, "principalArn")
	if !strings.HasPrefix(principal, "arn:aws:iam::"+plan.FakeAccountID+":role/AWSServiceRoleForAmazonPrometheusScraper_") {
		t.Errorf("access entry principal %q: want the scraper's role without its path", principal)
	}
	expect(t, assoc, "principalArn", principal)
	expect(t, assoc, "policyArn", awsc.EKSViewPolicy)
	expect(t, assoc, "accessScope.type", "namespace")
	if got := list(t, assoc, "accessScope.namespaces"); !slices.Equal(got, []string{"livekit", lkk8s.EgressNamespace}) {
		t.Errorf("access scope namespaces %v, want livekit and %s only", got, lkk8s.EgressNamespace)
	}
}

// On EKS the metrics port is open only to the scraper's security group:
// never to a CIDR, never to 0.0.0.0/0.
func TestEKSMetricsPortOnlyFromScraper(t *testing.T) {
	p := eksStack(t)
	scraperSG := child(t, p, tPrometheus, tSG, "-scraper")
	var admitted []string
	for _, sg := range p.ByType(tSG) {
		for _, r := range rulesOf(t, p, &sg, "ingress") {
			covers := r.Protocol == "-1" || r.Protocol == "all" || (r.Protocol == "tcp" && r.From <= livekit.PrometheusPort && livekit.PrometheusPort <= r.To)
			if !covers {
				continue
			}
			if len(r.CIDRs) > 0 || r.Peer != scraperSG.ID {
				t.Errorf("security group %s admits the metrics port %d from %s, want the scraper's group only", sg.Name, livekit.PrometheusPort, r)
			}
			admitted = append(admitted, sg.ID)
		}
		ing, _ := sg.Input("ingress")
		l, _ := ing.([]any)
		for _, item := range l {
			r, _ := item.(map[string]any)
			from, _ := r["fromPort"].(float64)
			to, _ := r["toPort"].(float64)
			port := float64(livekit.PrometheusPort)
			if proto := fmt.Sprint(r["protocol"]); proto == "-1" || (proto == "tcp" && from <= port && port <= to) {
				t.Errorf("security group %s admits the metrics port inline: %v", sg.Name, r)
			}
		}
	}
	media := mediaSG(t, p)
	if !slices.Equal(admitted, []string{media.ID}) {
		t.Errorf("metrics port admitted on groups %v, want the LiveKit nodes' group %s only", admitted, media.ID)
	}
}

// The EKS region's alerts: the same rendered rules (the real promtool
// accepts them), alert manager to the region's topic, and the CloudWatch
// alarms on its ElastiCache and ALB.
func TestEKSAlerting(t *testing.T) {
	p := eksStack(t)
	ws := child(t, p, tPrometheus, tWorkspace, "")
	ns := child(t, p, tPrometheus, tRuleNS, "-rules")
	expect(t, ns, "workspaceId", ws.ID)
	if out, err := promtool.Check(t, "rules", "rules.yml", str(t, ns, "data")); err != nil {
		t.Errorf("promtool check rules: %v\n%s", err, out)
	}
	// Node capacity from the pod's CPU (awsEksPodCpu 3), not awsTaskCpu.
	if d := str(t, ns, "data"); !strings.Contains(d, "/ 3 * 100") {
		t.Errorf("rules do not divide CPU by the pod's 3 vCPUs:\n%s", d)
	}
	am := child(t, p, tMonitoring, tAlertManager, "-alertmanager")
	expect(t, am, "workspaceId", ws.ID)
	if !strings.Contains(str(t, am, "definition"), child(t, p, tMonitoring, tTopic, "-alarms").ID) {
		t.Error("the alert manager does not route to the region's topic")
	}
	var metrics []string
	for _, a := range childrenOfType(p, tMonitoring, tMetricAlarm) {
		metrics = append(metrics, str(t, &a, "metricName"))
	}
	for _, want := range []string{"HTTPCode_ELB_5XX_Count", "UnHealthyHostCount", "DatabaseMemoryUsagePercentage", "EngineCPUUtilization", "AuthenticationFailures"} {
		if !slices.Contains(metrics, want) {
			t.Errorf("EKS region alarms %v lack %s", metrics, want)
		}
	}
}
