package e2e

// The monitoring path with real engines: per region stack, a LiveKit node
// booted from the rendered config (loopback overrides only) on its own TLS
// Redis, a regional Prometheus with the scrape jobs, external labels and
// alert rules components/observability renders for that stack, and a
// blackbox exporter with the rendered health module; each regional
// Prometheus remote-writes to a central one (the global stack's AMP
// workspace, here a Prometheus with its remote-write receiver) with the
// remote_write entry the program renders, only its URL on loopback and
// unsigned. The test checks the LiveKit v1.13.5 series
// the rules and dashboards rely on arrive centrally labelled by stack, cloud
// and region, and that stopping one region's Redis fires that region's 406
// and no-healthy-node alerts (and no other region's).

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/livekit-infra/livekit-infra/components/observability"
	"github.com/livekit-infra/livekit-infra/tests/internal/stackfile"
)

const (
	promReadyTimeout = 30 * time.Second
	// Series reach the central view after a regional scrape (15 s) and a
	// remote-write batch (at most 5 s).
	centralTimeout = 2 * time.Minute
	// The 406 alert: LiveKit answers 406 within ~5 s of losing Redis, the
	// probe sees it at the next scrape (15 s), the rule holds for 1m and is
	// evaluated every 30 s, then remote write carries ALERTS.
	alertTimeout = 4 * time.Minute
)

// binaryFromEnv returns $env or name from PATH, or skips (fails on CI).
func binaryFromEnv(t testing.TB, env, name string) string {
	t.Helper()
	if path := os.Getenv(env); path != "" {
		if !isExecutable(path) {
			missingPrereq(t, "%s=%q is not an executable file", env, path)
		}
		return path
	}
	path, err := exec.LookPath(name)
	if err != nil {
		missingPrereq(t, "%s not found on PATH (Debian's %s package; or set %s)", name, name, env)
	}
	return path
}

func prometheusBinary(t testing.TB) string { return binaryFromEnv(t, "PROMETHEUS_BIN", "prometheus") }
func blackboxBinary(t testing.TB) string {
	return binaryFromEnv(t, "BLACKBOX_EXPORTER_BIN", "prometheus-blackbox-exporter")
}

func loopbackAddr(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// promServer is a Prometheus (or the blackbox exporter) on 127.0.0.1.
type promServer struct {
	Name string
	Addr string
	proc *process
}

func writeYAML(t testing.TB, path string, v any) string {
	t.Helper()
	body, err := observability.MarshalYAML(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return body
}

// startPrometheus runs prometheus with config on a free loopback port and
// waits for /-/ready.
func startPrometheus(t testing.TB, name string, config observability.PrometheusConfig, rules *observability.RuleFile, flags ...string) *promServer {
	t.Helper()
	bin := prometheusBinary(t)
	dir := t.TempDir()
	if rules != nil {
		writeYAML(t, filepath.Join(dir, "rules.yml"), *rules)
		config.RuleFiles = []string{filepath.Join(dir, "rules.yml")}
	}
	cfgPath := filepath.Join(dir, "prometheus.yml")
	body := writeYAML(t, cfgPath, config)
	t.Logf("%s config:\n%s", name, body)
	s := &promServer{Name: name, Addr: loopbackAddr(freePort(t))}
	logPath := filepath.Join(dir, "prometheus.log")
	printTailOnFailure(t, name, logPath)
	s.proc = startProcess(t, name, bin, append([]string{
		"--config.file=" + cfgPath,
		"--storage.tsdb.path=" + filepath.Join(dir, "data"),
		"--web.listen-address=" + s.Addr,
		"--log.level=warn",
	}, flags...), os.Environ(), logPath)
	t.Cleanup(func() { s.proc.stop(stopGrace) })
	waitHTTP200(t, s.proc, "http://"+s.Addr+"/-/ready", name+" ready")
	return s
}

// startBlackbox runs the blackbox exporter with the rendered module.
func startBlackbox(t testing.TB) *promServer {
	t.Helper()
	bin := blackboxBinary(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "blackbox.yml")
	writeYAML(t, cfgPath, observability.Blackbox())
	s := &promServer{Name: "blackbox-exporter", Addr: loopbackAddr(freePort(t))}
	logPath := filepath.Join(dir, "blackbox.log")
	printTailOnFailure(t, s.Name, logPath)
	s.proc = startProcess(t, s.Name, bin, []string{
		"--config.file=" + cfgPath,
		"--web.listen-address=" + s.Addr,
	}, os.Environ(), logPath)
	t.Cleanup(func() { s.proc.stop(stopGrace) })
	waitHTTP200(t, s.proc, "http://"+s.Addr+"/metrics", s.Name+" ready")
	return s
}

func waitHTTP200(t testing.TB, p *process, u, what string) {
	t.Helper()
	eventually(t, promReadyTimeout, what, func() error {
		if done, err := p.exited(); done {
			return &permanent{fmt.Errorf("exited during startup (%v)", err)}
		}
		resp, err := healthClient.Get(u)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s = %d", u, resp.StatusCode)
		}
		return nil
	})
}

// promSample is one instant-vector sample of the HTTP API.
type promSample struct {
	Metric map[string]string `json:"metric"`
}

// query runs an instant query and returns the samples' label sets.
func (s *promServer) query(q string) ([]promSample, error) {
	resp, err := healthClient.Get("http://" + s.Addr + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string       `json:"resultType"`
			Result     []promSample `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("query %q: %w", q, err)
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("query %q: %s", q, body.Error)
	}
	return body.Data.Result, nil
}

// metricTypes reads the # TYPE lines of a node's /metrics.
func metricTypes(t testing.TB, u string) map[string]string {
	t.Helper()
	resp, err := healthClient.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	types := map[string]string{}
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 4<<20))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 4 && f[0] == "#" && f[1] == "TYPE" {
			types[f[2]] = f[3]
		}
	}
	return types
}

// observedRegion is one region of the test: its node, Redis and Prometheus.
type observedRegion struct {
	Stack  string
	Labels map[string]string
	Redis  *redisServer
	Node   *liveKitNode
	Prom   *promServer
	// MetricsURL is the node's /metrics (loopback prometheus.port).
	MetricsURL string
}

func TestCentralPrometheusSeesEveryRegion(t *testing.T) {
	liveKitBinary(t) // skip (or fail on CI) before any setup
	redisBinary(t)
	prometheusBinary(t)
	blackbox := startBlackbox(t)

	// The central view: in the global stack an AMP workspace that the
	// regions remote-write to; here a Prometheus receiving remote writes
	// on loopback (unsigned: SigV4 needs AWS).
	cp := startPrometheus(t, "prometheus-central", observability.PrometheusConfig{
		Global: observability.GlobalConfig{ScrapeInterval: observability.ScrapeInterval},
	}, nil, "--web.enable-remote-write-receiver")
	central := observability.Central{URL: "http://" + cp.Addr + "/api/v1/write", Unsigned: true}

	var regions []*observedRegion
	var launched []*liveKitNode
	for _, rs := range regionStacks {
		reg := inspectRegion(t, rs)
		obs := stackfile.Observability(t, repoRoot, rs.Stack)
		// No Egress worker can run here (its image carries Chrome and
		// GStreamer; github.com/livekit/egress is not served), so there is
		// no Egress target to scrape and its rules would only report that
		// (EgressNoWorkerScraped). tests/observability runs every Egress
		// rule through promtool instead, from the same rendering.
		obs.Egress = nil

		certs := newTestTLS(t)
		rds := startCache(t, certs, reg.RedisUser, reg.RedisPassword)
		cfg, doc := loopbackConfig(t, reg.Rendered, rds.target(certs))
		metricsPort, _ := lookupPath(doc, "prometheus.port")
		n := launchLiveKit(t, cfg)
		launched = append(launched, n)

		// The rendered scrape jobs, rules and labels; only the targets are
		// loopback addresses (in a region, the scraper's view of the nodes).
		rules, err := obs.Rules()
		if err != nil {
			t.Fatal(err)
		}
		pc, err := obs.RegionalPrometheusWriting(observability.Targets{
			Metrics:  []string{loopbackAddr(toInt(t, metricsPort))},
			Health:   []string{loopbackAddr(n.Port)},
			Blackbox: blackbox.Addr,
			// A job of the region that is not LiveKit's: it must stay
			// regional (the central keep rule).
			Extra: []observability.ScrapeConfig{{
				JobName:       regionalOnlyJob,
				StaticConfigs: []observability.StaticConfig{{Targets: []string{blackbox.Addr}}},
			}},
		}, "", central)
		if err != nil {
			t.Fatal(err)
		}
		prom := startPrometheus(t, "prometheus-"+rs.Stack, pc, &rules)
		regions = append(regions, &observedRegion{
			Stack: rs.Stack, Labels: obs.Labels(), Redis: rds, Node: n, Prom: prom,
			MetricsURL: fmt.Sprintf("http://127.0.0.1:%d/metrics", toInt(t, metricsPort)),
		})
	}
	for _, n := range launched {
		n.waitReady(t)
	}

	step(t, "the metric catalog matches a real v1.13.5 node", func(t *testing.T) {
		// A fresh node registers some series (e.g. livekit_node_packet_total)
		// only on its first stats update, a few seconds after start.
		missingIdle := func(types map[string]string) bool {
			for _, m := range observability.Metrics {
				if _, ok := types[m.Name]; !ok && m.Idle && (m.Source == "livekit" || m.Source == "process") {
					return true
				}
			}
			return false
		}
		types := metricTypes(t, regions[0].MetricsURL)
		for deadline := time.Now().Add(30 * time.Second); missingIdle(types) && time.Now().Before(deadline); {
			time.Sleep(time.Second)
			types = metricTypes(t, regions[0].MetricsURL)
		}
		for _, m := range observability.Metrics {
			if m.Source != "livekit" && m.Source != "process" {
				continue
			}
			got, ok := types[m.Name]
			switch {
			case ok && got != m.Type:
				t.Errorf("%s is a %s on the node, the catalog says %s", m.Name, got, m.Type)
			case !ok && m.Idle:
				t.Errorf("%s (an idle-node series in the catalog) is not exported by the node", m.Name)
			}
		}
	})

	// The series the rules and dashboards rely on that an idle node
	// exports, and the scrapers' own.
	var idle []string
	for _, m := range observability.Metrics {
		if m.Idle {
			idle = append(idle, m.Series())
		}
	}
	sort.Strings(idle)
	t.Logf("series checked centrally: %s", strings.Join(idle, ", "))

	step(t, "every region's LiveKit series arrive centrally with their labels", func(t *testing.T) {
		eventually(t, centralTimeout, "every idle series of every region in the central view", func() error {
			for _, name := range idle {
				got, err := cp.query(fmt.Sprintf("count by (stack, cloud, region, job) (%s)", name))
				if err != nil {
					return err
				}
				for _, r := range regions {
					found := false
					for _, s := range got {
						if s.Metric["stack"] == r.Stack && s.Metric["cloud"] == r.Labels["cloud"] &&
							s.Metric["region"] == r.Labels["region"] && strings.HasPrefix(s.Metric["job"], observability.JobLiveKit) {
							found = true
						}
					}
					if !found {
						return fmt.Errorf("%s of %s (cloud %s, region %s) not in the central view yet; have %v",
							name, r.Stack, r.Labels["cloud"], r.Labels["region"], got)
					}
				}
			}
			return nil
		})
	})

	step(t, "only the LiveKit jobs and alerts leave a region", func(t *testing.T) {
		q := fmt.Sprintf(`up{job=%q}`, regionalOnlyJob)
		for _, r := range regions {
			// Scraped on its own interval: wait for its first scrape.
			eventually(t, time.Minute, r.Stack+"'s regional-only job scraped", func() error {
				got, err := r.Prom.query(q)
				if err != nil || len(got) != 1 {
					return fmt.Errorf("%s's Prometheus: %s = %v (err %v), want the job scraped regionally", r.Stack, q, got, err)
				}
				return nil
			})
		}
		got, err := cp.query(fmt.Sprintf(`count by (job) ({__name__=~".+",__name__!="ALERTS",job!~%q})`, observability.JobLiveKit+".*"))
		if err != nil || len(got) != 0 {
			t.Errorf("central view holds non-LiveKit jobs %v (err %v); the remote write keeps only %q", got, err, observability.CentralKeep)
		}
	})

	step(t, "every node is scraped and answers the health probe", func(t *testing.T) {
		for _, r := range regions {
			for _, q := range []string{
				fmt.Sprintf(`up{job=%q,stack=%q} == 1`, observability.JobLiveKit, r.Stack),
				fmt.Sprintf(`probe_http_status_code{job=%q,stack=%q} == 200`, observability.JobHealth, r.Stack),
			} {
				got, err := cp.query(q)
				if err != nil || len(got) != 1 {
					t.Errorf("central %s: %v (err %v), want one series", q, got, err)
				}
			}
		}
	})

	// One region loses its Redis: its node answers 406 and its alerts fire.
	lost := regions[0]
	step(t, "stopping "+lost.Stack+"'s Redis fires its 406 and no-healthy-node alerts", func(t *testing.T) {
		lost.Redis.Stop()
		waitHealth(t, lost.Node, http.StatusNotAcceptable)
		start := time.Now()
		for _, alert := range []string{observability.AlertNodeLostRedis, observability.AlertNoHealthyNode} {
			q := fmt.Sprintf(`ALERTS{alertname=%q,alertstate="firing"}`, alert)
			eventually(t, alertTimeout, alert+" firing for "+lost.Stack+" in the central view", func() error {
				got, err := cp.query(q)
				if err != nil {
					return err
				}
				for _, s := range got {
					if s.Metric["stack"] == lost.Stack && s.Metric["region"] == lost.Labels["region"] {
						return nil
					}
				}
				return fmt.Errorf("%s: %v", q, got)
			})
			t.Logf("%s firing centrally %s after %s's node answered 406", alert, time.Since(start).Round(time.Second), lost.Stack)
		}
		// The regional Prometheus evaluated it, and no other region alerts.
		got, err := lost.Prom.query(fmt.Sprintf(`ALERTS{alertname=%q,alertstate="firing"}`, observability.AlertNodeLostRedis))
		if err != nil || len(got) != 1 {
			t.Errorf("%s's Prometheus: firing %s = %v (err %v), want one", lost.Stack, observability.AlertNodeLostRedis, got, err)
		}
		others, err := cp.query(`ALERTS{alertstate="firing"}`)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range others {
			if s.Metric["stack"] != lost.Stack {
				t.Errorf("alert %s firing for %s, whose Redis is up", s.Metric["alertname"], s.Metric["stack"])
			}
		}
	})
}

// regionalOnlyJob is a regional scrape job the central view must not get.
const regionalOnlyJob = "blackbox-exporter"

// toInt reads a port of a decoded config or plan (YAML gives ints, JSON
// float64s), failing the test on anything else: a missing key is no port.
func toInt(t testing.TB, v any) int {
	t.Helper()
	switch n := v.(type) {
	case int:
		return n
	case int64:
		return int(n)
	case float64:
		return int(n)
	case uint64:
		return int(n)
	}
	t.Fatalf("not a port number: %#v", v)
	return 0
}
