// Package observability tests the alert rules every region renders
// (components/observability) with the real promtool: `promtool check rules`
// on each committed region stack's rule file, and `promtool test rules`
// with a firing and a quiet case for every rule, from the thresholds that
// stack renders.
package observability

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components/observability"
	ptool "github.com/livekit-infra/livekit-infra/tests/internal/promtool"
	"github.com/livekit-infra/livekit-infra/tests/internal/stackfile"
)

const repoRoot = "../.."

// regionStacks are the committed region stacks (Pulumi.<stack>.yaml).
var regionStacks = []string{"aws-prod", "gcp-eu", "azure-asia"}

// promtool returns $PROMTOOL_BIN or promtool from PATH; missing, it skips
// the test, or fails it under CI=true so CI cannot pass by skipping.
var promtool = ptool.Path

// stackRegion reads a committed stack file and returns what its rules are
// rendered from.
func stackRegion(t *testing.T, stack string) observability.Region {
	t.Helper()
	return stackfile.Observability(t, repoRoot, stack)
}

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func runPromtool(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(promtool(t), args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// rulesFile renders a region's rules into dir.
func rulesFile(t *testing.T, dir string, r observability.Region) (observability.RuleFile, string) {
	t.Helper()
	rf, err := r.Rules()
	if err != nil {
		t.Fatalf("%s: Rules: %v", r.Stack, err)
	}
	body, err := rf.YAML()
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "rules.yml", body)
	return rf, body
}

func TestPromtoolCheckRules(t *testing.T) {
	for _, stack := range regionStacks {
		t.Run(stack, func(t *testing.T) {
			dir := t.TempDir()
			r := stackRegion(t, stack)
			rf, body := rulesFile(t, dir, r)
			out, err := runPromtool(t, dir, "check", "rules", "rules.yml")
			if err != nil {
				t.Fatalf("promtool check rules: %v\n%s\n%s", err, out, body)
			}
			if want := fmt.Sprintf("SUCCESS: %d rules found", len(rf.AllRules())); !strings.Contains(out, want) {
				t.Fatalf("promtool check rules said %q, want %q", out, want)
			}
		})
	}
}

// The check can fail: a broken expression is refused.
func TestPromtoolCheckRulesRefusesBrokenExpr(t *testing.T) {
	dir := t.TempDir()
	rf, err := stackRegion(t, "aws-prod").Rules()
	if err != nil {
		t.Fatal(err)
	}
	rf.Groups[0].Rules[0].Expr = "absent(up{job=\"livekit\"} == )"
	body, err := rf.YAML()
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "rules.yml", body)
	if out, err := runPromtool(t, dir, "check", "rules", "rules.yml"); err == nil {
		t.Fatalf("promtool accepted a broken expression:\n%s", out)
	}
}

// --- promtool test rules -------------------------------------------------

// unitTests is promtool's rule test file.
type unitTests struct {
	RuleFiles          []string   `yaml:"rule_files"`
	EvaluationInterval string     `yaml:"evaluation_interval"`
	Tests              []unitTest `yaml:"tests"`
}

type unitTest struct {
	Name        string      `yaml:"name"`
	Interval    string      `yaml:"interval"`
	InputSeries []series    `yaml:"input_series"`
	AlertTests  []alertTest `yaml:"alert_rule_test"`
}

type series struct {
	Series string `yaml:"series"`
	Values string `yaml:"values"`
}

type alertTest struct {
	EvalTime  string     `yaml:"eval_time"`
	AlertName string     `yaml:"alertname"`
	ExpAlerts []expAlert `yaml:"exp_alerts"`
}

type expAlert struct {
	ExpLabels      map[string]string `yaml:"exp_labels"`
	ExpAnnotations map[string]string `yaml:"exp_annotations"`
}

// ruleByName finds a rendered rule.
func ruleByName(t *testing.T, rf observability.RuleFile, name string) observability.Rule {
	t.Helper()
	for _, r := range rf.AllRules() {
		if r.Alert == name {
			return r
		}
	}
	t.Fatalf("no rule %s", name)
	return observability.Rule{}
}

// firing is the alert promtool must see: the rule's severity, the series'
// labels (job, instance, or what the rule sums by), and its annotations
// with their $labels filled.
func firing(t *testing.T, rf observability.RuleFile, name string, labels map[string]string) expAlert {
	t.Helper()
	rule := ruleByName(t, rf, name)
	l := map[string]string{}
	for k, v := range labels {
		l[k] = v
	}
	for k, v := range rule.Labels {
		l[k] = v
	}
	a := map[string]string{}
	for k, v := range rule.Annotations {
		for _, name := range []string{"instance", "result", "status"} {
			v = strings.ReplaceAll(v, "{{ $labels."+name+" }}", labels[name])
		}
		a[k] = v
	}
	return expAlert{ExpLabels: l, ExpAnnotations: a}
}

// cpuSeries is process_cpu_seconds_total of a node using pct % of vcpus,
// sampled every 15 s for n samples.
func cpuSeries(instance string, vcpus, pct float64, n int) series {
	step := 15 * vcpus * pct / 100
	return series{
		Series: fmt.Sprintf(`process_cpu_seconds_total{job="livekit",instance=%q}`, instance),
		Values: fmt.Sprintf("0+%sx%d", trim(step), n),
	}
}

func trim(f float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.6f", f), "0"), ".")
}

func upSeries(instance, values string) series {
	return series{Series: fmt.Sprintf(`up{job="livekit",instance=%q}`, instance), Values: values}
}

func node(i int) string { return fmt.Sprintf("10.0.0.%d:6789", i+1) }

// ruleCases is, per alert, one test that must fire it and at least one that
// must not, computed from the region's thresholds.
func ruleCases(t *testing.T, r observability.Region, rf observability.RuleFile) map[string][]unitTest {
	t.Helper()
	vcpus := r.NodeVCPUs
	health := func(instance string) map[string]string {
		return map[string]string{"job": observability.JobHealth, "instance": instance}
	}
	probe := func(metric, instance, values string) series {
		return series{Series: fmt.Sprintf(`%s{job=%q,instance=%q}`, metric, observability.JobHealth, instance), Values: values}
	}
	const h1, h2 = "http://10.0.0.1:7880/", "http://10.0.0.2:7880/"
	none := []expAlert{}
	test := func(name string, in []series, alert, at string, exp []expAlert) unitTest {
		return unitTest{Name: name, Interval: "15s", InputSeries: in,
			AlertTests: []alertTest{{EvalTime: at, AlertName: alert, ExpAlerts: exp}}}
	}

	c := map[string][]unitTest{}

	a := observability.AlertNoNodeScraped
	c[a] = []unitTest{
		test("every scrape fails for 6m", []series{upSeries(node(0), "0x40"), upSeries(node(1), "0x40")}, a, "6m",
			[]expAlert{firing(t, rf, a, nil)}),
		test("no target at all for 6m", []series{{Series: `up{job="other"}`, Values: "1x40"}}, a, "6m",
			[]expAlert{firing(t, rf, a, nil)}),
		test("one node still scraped", []series{upSeries(node(0), "0x40"), upSeries(node(1), "1x40")}, a, "6m", none),
		test("down for 4m only", []series{upSeries(node(0), "1x8 0x40")}, a, "6m", none),
	}

	a = observability.AlertNodeLostRedis
	c[a] = []unitTest{
		test("406 for 2m", []series{probe(observability.MetricProbeStatusCode, h1, "200x4 406x20"), probe(observability.MetricProbeStatusCode, h2, "200x24")}, a, "3m",
			[]expAlert{firing(t, rf, a, health(h1))}),
		test("200 throughout", []series{probe(observability.MetricProbeStatusCode, h1, "200x24")}, a, "3m", none),
		test("a 30s Redis blip", []series{probe(observability.MetricProbeStatusCode, h1, "200x4 406x2 200x20")}, a, "3m", none),
	}

	a = observability.AlertNoHealthyNode
	c[a] = []unitTest{
		test("every probe fails", []series{probe(observability.MetricProbeSuccess, h1, "1x4 0x20"), probe(observability.MetricProbeSuccess, h2, "1x4 0x20")}, a, "3m",
			[]expAlert{firing(t, rf, a, nil)}),
		test("no probe target", []series{{Series: `up{job="other"}`, Values: "1x20"}}, a, "3m",
			[]expAlert{firing(t, rf, a, nil)}),
		test("one healthy node", []series{probe(observability.MetricProbeSuccess, h1, "0x20"), probe(observability.MetricProbeSuccess, h2, "1x20")}, a, "3m", none),
	}

	hot, cool := float64(r.CPUTargetPercent)+5, float64(r.CPUTargetPercent)-5
	atMax := func(nodes int, pct float64) []series {
		var in []series
		for i := range nodes {
			in = append(in, upSeries(node(i), "1x100"), cpuSeries(node(i), vcpus, pct, 100))
		}
		return in
	}
	a = observability.AlertAtMaxNodes
	c[a] = []unitTest{
		test("maxNodes nodes above cpuTarget", atMax(r.MaxNodes, hot), a, "22m", []expAlert{firing(t, rf, a, nil)}),
		test("one node short of maxNodes", atMax(r.MaxNodes-1, hot), a, "22m", none),
		test("maxNodes nodes below cpuTarget", atMax(r.MaxNodes, cool), a, "22m", none),
	}

	warn := float64(r.SysloadLimitPercent) * observability.SysloadWarnRatio
	a = observability.AlertNodeNearSysloadLimit
	c[a] = []unitTest{
		test("one node above the warning", []series{cpuSeries(node(0), vcpus, math.Min(warn+5, 100), 100), cpuSeries(node(1), vcpus, warn-5, 100)}, a, "17m",
			[]expAlert{firing(t, rf, a, map[string]string{"job": observability.JobLiveKit, "instance": node(0)})}),
		test("below the warning", []series{cpuSeries(node(0), vcpus, warn-5, 100)}, a, "17m", none),
	}

	nodeCap := r.NodeCapacity()
	nodeWarn := int(math.Floor(float64(nodeCap) * observability.CapacityWarnRatio))
	participants := func(instance string, n int) series {
		return series{Series: fmt.Sprintf(`livekit_participant_total{job="livekit",instance=%q}`, instance), Values: fmt.Sprintf("%dx60", n)}
	}
	a = observability.AlertNodeNearCapacity
	c[a] = []unitTest{
		test("one node over 80% of its capacity", []series{participants(node(0), nodeWarn+1), participants(node(1), 0)}, a, "7m",
			[]expAlert{firing(t, rf, a, map[string]string{"job": observability.JobLiveKit, "instance": node(0)})}),
		test("at 80% exactly", []series{participants(node(0), nodeWarn)}, a, "7m", none),
	}

	regionWarn := int(math.Floor(float64(nodeCap*r.MaxNodes) * observability.CapacityWarnRatio))
	spread := func(total int) []series {
		var in []series
		for i := range r.MaxNodes {
			n := total / r.MaxNodes
			if i < total%r.MaxNodes {
				n++
			}
			in = append(in, participants(node(i), n))
		}
		return in
	}
	a = observability.AlertRegionNearCapacity
	c[a] = []unitTest{
		test("the region over 80% of maxNodes × capacity", spread(regionWarn+1), a, "7m", []expAlert{firing(t, rf, a, nil)}),
		test("at 80% exactly", spread(regionWarn), a, "7m", none),
	}
	if r.Egress != nil {
		egressCases(t, r, rf, c, test)
	}
	return c
}

// egressCases are the Egress rules' cases. The series are Egress v1.14.1's
// (pkg/stats/monitor_prom.go, pkg/stats/handler.go at tag v1.14.1 of
// github.com/livekit/egress; observability/metrics.go) and the server's
// livekit_node_twirp_request_status (livekit-server v1.13.5
// pkg/telemetry/prometheus/node.go). Egress cannot run here (its image
// carries Chrome and GStreamer; the Go module is not served), so neither
// these cases nor tests/e2e's central Prometheus scrape a real worker:
// the names are pinned to that source, the expressions to promtool.
func egressCases(t *testing.T, r observability.Region, rf observability.RuleFile, c map[string][]unitTest,
	test func(string, []series, string, string, []expAlert) unitTest) {
	t.Helper()
	none := []expAlert{}
	worker := func(i int) string { return fmt.Sprintf("10.0.8.%d:9090", i+1) }
	eg := func(metric, instance string, extra, values string) series {
		return series{Series: fmt.Sprintf(`%s{job=%q,instance=%q,node_id="EG_%d"%s}`, metric, observability.JobEgress, instance, len(instance), extra), Values: values}
	}
	up := func(i int, values string) series {
		return series{Series: fmt.Sprintf(`up{job=%q,instance=%q}`, observability.JobEgress, worker(i)), Values: values}
	}

	a := observability.AlertNoEgressScraped
	c[a] = []unitTest{
		test("every worker's scrape fails for 6m", []series{up(0, "0x40"), up(1, "0x40")}, a, "6m", []expAlert{firing(t, rf, a, nil)}),
		test("no Egress target at all (LiveKit's scraped)", []series{upSeries(node(0), "1x40")}, a, "6m", []expAlert{firing(t, rf, a, nil)}),
		test("one worker still scraped", []series{up(0, "0x40"), up(1, "1x40")}, a, "6m", none),
		test("down for 4m only", []series{up(0, "1x8 0x40")}, a, "6m", none),
	}

	accept := func(i int, values string) series {
		return eg(observability.MetricEgressCanAccept, worker(i), "", values)
	}
	a = observability.AlertEgressNoCapacity
	c[a] = []unitTest{
		test("no worker can accept for 11m", []series{accept(0, "0x60"), accept(1, "0x60")}, a, "11m", []expAlert{firing(t, rf, a, nil)}),
		test("one worker can still accept", []series{accept(0, "0x60"), accept(1, "1x60")}, a, "11m", none),
		test("full for 5m only", []series{accept(0, "1x24 0x36")}, a, "11m", none),
	}

	warn := r.Egress.MaxCPUUtilization * observability.EgressCPUWarnRatio
	load := func(i int, v float64) series {
		return eg(observability.MetricEgressCPULoad, worker(i), fmt.Sprintf(",node_type=%q", observability.EgressNodeType), fmt.Sprintf("%sx60", trim(v)))
	}
	a = observability.AlertEgressWorkerCPUHigh
	c[a] = []unitTest{
		test("one worker above the warning for 11m", []series{load(0, math.Min(warn+0.03, 1)), load(1, warn-0.2)}, a, "11m",
			[]expAlert{firing(t, rf, a, map[string]string{"job": observability.JobEgress, "instance": worker(0), "node_type": observability.EgressNodeType,
				"node_id": fmt.Sprintf("EG_%d", len(worker(0)))})}),
		test("below the warning", []series{load(0, warn-0.05)}, a, "11m", none),
		// A LiveKit node's series of the same name is not an Egress worker's.
		test("a LiveKit node's cpu load", []series{{Series: `livekit_node_cpu_load{job="livekit",node_type="SERVER",instance="10.0.0.1:6789"}`, Values: "1x60"}}, a, "11m", none),
	}

	results := func(result, values string) series {
		return eg(observability.MetricEgressResults, worker(0), fmt.Sprintf(`,type="room_composite",result=%q`, result), values)
	}
	a = observability.AlertEgressFailures
	c[a] = []unitTest{
		test("a recording killed for memory", []series{results("completed", "0+1x40"), results("killed_oom", "0x10 1x30")}, a, "5m",
			[]expAlert{firing(t, rf, a, map[string]string{"result": "killed_oom"})}),
		test("only completed recordings", []series{results("completed", "0+1x40")}, a, "5m", none),
		test("a failure over 15 minutes ago", []series{results("process_error", "0x4 1x100")}, a, "24m", none),
	}

	uploads := func(status, values string) series {
		return eg(observability.MetricEgressUploads, worker(0), fmt.Sprintf(`,type="segment",status=%q,custom_endpoint="false"`, status), values)
	}
	a = observability.AlertEgressUploadFailures
	c[a] = []unitTest{
		test("uploads refused (403)", []series{uploads("success", "0+5x40"), uploads("4xx", "0x10 2x30")}, a, "5m",
			[]expAlert{firing(t, rf, a, map[string]string{"status": "4xx"})}),
		test("every upload succeeds", []series{uploads("success", "0+5x40")}, a, "5m", none),
	}

	twirp := func(service, status, values string) series {
		return series{Series: fmt.Sprintf(`livekit_node_twirp_request_status{job=%q,instance=%q,service=%q,method="StartEgress",status=%q,code=""}`,
			observability.JobLiveKit, node(0), service, status), Values: values}
	}
	a = observability.AlertEgressStartFailing
	c[a] = []unitTest{
		test("start requests answered 5xx", []series{twirp("Egress", "2xx", "0+1x40"), twirp("Egress", "5xx", "0x10 3x30")}, a, "5m",
			[]expAlert{firing(t, rf, a, nil)}),
		test("start requests succeed", []series{twirp("Egress", "2xx", "0+1x40")}, a, "5m", none),
		test("another service's 5xx", []series{twirp("RoomService", "5xx", "0x10 3x30")}, a, "5m", none),
	}
}

func TestPromtoolTestRules(t *testing.T) {
	for _, stack := range regionStacks {
		t.Run(stack, func(t *testing.T) {
			dir := t.TempDir()
			r := stackRegion(t, stack)
			rf, _ := rulesFile(t, dir, r)
			cases := ruleCases(t, r, rf)
			// Every rule has a case that fires it and one that must not.
			var names []string
			for _, rule := range rf.AllRules() {
				names = append(names, rule.Alert)
				fires, quiet := false, false
				for _, c := range cases[rule.Alert] {
					if len(c.AlertTests[0].ExpAlerts) > 0 {
						fires = true
					} else {
						quiet = true
					}
				}
				if !fires || !quiet {
					t.Errorf("rule %s needs a firing and a quiet promtool case (have firing=%v quiet=%v)", rule.Alert, fires, quiet)
				}
			}
			sort.Strings(names)
			var tests []unitTest
			for _, n := range names {
				for _, c := range cases[n] {
					c.Name = n + ": " + c.Name
					tests = append(tests, c)
				}
			}
			body, err := observability.MarshalYAML(unitTests{
				RuleFiles:          []string{"rules.yml"},
				EvaluationInterval: observability.EvaluationInterval,
				Tests:              tests,
			})
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, dir, "tests.yml", body)
			out, err := runPromtool(t, dir, "test", "rules", "tests.yml")
			if err != nil {
				t.Fatalf("promtool test rules: %v\n%s", err, out)
			}
			t.Logf("%s: %d rules, %d promtool cases: %s", stack, len(names), len(tests), strings.TrimSpace(out))
		})
	}
}

// The unit tests can fail: the quiet case of the 406 rule, expected to fire,
// makes promtool report a failure.
func TestPromtoolTestRulesCanFail(t *testing.T) {
	dir := t.TempDir()
	r := stackRegion(t, "aws-prod")
	rf, _ := rulesFile(t, dir, r)
	c := ruleCases(t, r, rf)[observability.AlertNodeLostRedis][1]
	c.AlertTests[0].ExpAlerts = []expAlert{firing(t, rf, observability.AlertNodeLostRedis, map[string]string{"job": observability.JobHealth, "instance": "http://10.0.0.1:7880/"})}
	body, err := observability.MarshalYAML(unitTests{RuleFiles: []string{"rules.yml"}, EvaluationInterval: observability.EvaluationInterval, Tests: []unitTest{c}})
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "tests.yml", body)
	if out, err := runPromtool(t, dir, "test", "rules", "tests.yml"); err == nil {
		t.Fatalf("promtool passed a case whose expectation is wrong:\n%s", out)
	}
}

// Every alert has a runbook line, and docs/observability.md shows it.
func TestRunbooksDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(repoRoot, "docs", "observability.md"))
	if err != nil {
		t.Fatal(err)
	}
	rf, err := stackRegion(t, "aws-prod").Rules()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rf.AllRules() {
		line := observability.Runbooks[r.Alert]
		if line == "" || r.Annotations["runbook"] != line {
			t.Errorf("%s: runbook annotation %q, want the Runbooks line %q", r.Alert, r.Annotations["runbook"], line)
		}
		if !strings.Contains(string(doc), "| `"+r.Alert+"` |") || !strings.Contains(string(doc), line) {
			t.Errorf("docs/observability.md lacks %s's row with its runbook line %q", r.Alert, line)
		}
	}
}

// Egress's rules are rendered only where Egress runs: aws-eks (no Egress
// on EKS yet) renders one group and no Egress alert; every committed
// stack with Egress renders the egress group, and bad Egress bounds are
// refused.
func TestEgressRulesOnlyWhereEgressRuns(t *testing.T) {
	egressAlerts := []string{observability.AlertEgressStartFailing, observability.AlertNoEgressScraped, observability.AlertEgressNoCapacity,
		observability.AlertEgressWorkerCPUHigh, observability.AlertEgressFailures, observability.AlertEgressUploadFailures}
	for _, stack := range append([]string{"aws-eks"}, regionStacks...) {
		r := stackRegion(t, stack)
		rf, err := r.Rules()
		if err != nil {
			t.Fatal(err)
		}
		var alerts []string
		for _, rule := range rf.AllRules() {
			alerts = append(alerts, rule.Alert)
		}
		eg, _ := rf.Split(observability.EgressGroup(stack))
		if r.Egress == nil {
			if stack != "aws-eks" {
				t.Errorf("%s: the committed stack runs Egress but renders no Egress workers", stack)
			}
			if len(rf.Groups) != 1 || len(eg.Groups) != 0 {
				t.Errorf("%s (no Egress): %d groups", stack, len(rf.Groups))
			}
			for _, a := range egressAlerts {
				if slices.Contains(alerts, a) {
					t.Errorf("%s (no Egress) renders %s", stack, a)
				}
			}
			continue
		}
		if len(eg.Groups) != 1 || len(rf.Groups) != 2 {
			t.Errorf("%s: groups %d, egress group %d", stack, len(rf.Groups), len(eg.Groups))
		}
		for _, a := range egressAlerts {
			if !slices.Contains(alerts, a) {
				t.Errorf("%s runs Egress but renders no %s", stack, a)
			}
		}
		for _, rule := range eg.AllRules() {
			if !strings.Contains(rule.Expr, `job="`+observability.JobEgress+`"`) {
				t.Errorf("%s %s: %s does not select job %s", stack, rule.Alert, rule.Expr, observability.JobEgress)
			}
		}
	}
	r := stackRegion(t, "aws-prod")
	for _, bad := range []observability.EgressWorkers{{MaxWorkers: 0, MaxCPUUtilization: 0.8}, {MaxWorkers: 2, MaxCPUUtilization: 1.5}, {MaxWorkers: 2}} {
		r.Egress = &bad
		if _, err := r.Rules(); err == nil || !strings.Contains(err.Error(), "Egress.") {
			t.Errorf("Egress %+v accepted (err %v)", bad, err)
		}
	}
}
