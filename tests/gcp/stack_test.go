package gcp_test

import (
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/tests/internal/planq"
)

func TestStackOutputs(t *testing.T) {
	p := stackPlan(t)
	// The outputs every region shares: TestSharedOutputs (regionout).
	want := map[string]any{
		"region":         euRegion,
		"globalHostname": euGlobal,
		"livekitVersion": "v1.13.5",
		"minNodes":       3,
		"maxNodes":       10,
		"recordingsCdn":  "recordings." + euHostname,
	}
	for k, v := range want {
		if p.Outputs[k] != v {
			t.Errorf("output %s = %#v, want %#v", k, p.Outputs[k], v)
		}
	}
	if ip := one(t, p, tRecord, "livekit-dns").InputString("records[0]"); p.Outputs["ingressIp"] != ip || ip == "" {
		t.Errorf("ingressIp = %v, the DNS record points at %q", p.Outputs["ingressIp"], ip)
	}
	for _, k := range []string{"redisHost", "recordingsBucket", "gkeCluster", "certificateMap"} {
		if s, _ := p.Outputs[k].(string); s == "" {
			t.Errorf("output %s is empty", k)
		}
	}
	if !strings.HasPrefix(p.Outputs["redisHost"].(string), "10.30.") {
		t.Errorf("redisHost %v is not in the private service access range", p.Outputs["redisHost"])
	}
}

// Secrets stay secret: outputs, resource inputs, and the printed plan.
func TestSecretsStaySecret(t *testing.T) {
	p := stackPlan(t)
	// Token servers read Secret Manager: no secret is a stack output.
	if len(p.SecretOutputs) != 0 {
		t.Errorf("secret outputs %v, want none", p.SecretOutputs)
	}
	_, cfg := renderedConfig(t, p)
	// Key ids are public (every token's issuer; the fingerprint names
	// them); their secrets are not.
	secrets := map[string]string{"Redis AUTH string": cfg.Redis.Password}
	for id, v := range cfg.Keys {
		secrets["API secret of "+id] = v
	}
	key, _ := only(t, p, tSignedKey).RawInput("keyValue")
	secrets["CDN URL-signing key"], _ = key.(string)
	planq.NoPlainSecrets(t, p, secrets)
}

func TestPlainTextAPIKeyRefused(t *testing.T) {
	p, err := euStack.With(map[string]string{
		"livekit-infra:apiKey":    "[secret]",
		"livekit-infra:apiSecret": "[secret]",
	})
	if err == nil {
		// Placeholders in plain (non-secret) config must be refused.
		t.Fatalf("plain apiKey accepted: %v", p.Outputs["url"])
	}
	if !strings.Contains(err.Error(), "livekit-infra:apiKey") || !strings.Contains(err.Error(), "must be a secret") {
		t.Errorf("error does not explain the plain-text key: %v", err)
	}
}

// Config errors for the GCP settings are reported together, each naming the
// key, the value and what is allowed.
func TestConfigErrors(t *testing.T) {
	// The language host lists every stack key in PULUMI_CONFIG; that is how
	// typos are found.
	t.Setenv("PULUMI_CONFIG", `{"livekit-infra:gcpMachineTyp":"n2-standard-8"}`)
	_, err := euStack.With(map[string]string{
		"gcp:region":                           "",
		"gcp:project":                          "My_Project",
		"livekit-infra:gcpPodsCidr":            "10.20.0.0/21",
		"livekit-infra:gcpServicesCidr":        "10.10.0.0/24",
		"livekit-infra:gcpLivekitChartVersion": "^1.9",
		"livekit-infra:gcpPodCpu":              "4",
		"livekit-infra:gcpReleaseChannel":      "FAST",
		"livekit-infra:gcpRedisVersion":        "REDIS_6_X",
		"livekit-infra:gcpDrainSeconds":        "30",
		"livekit-infra:gcpMachineTyp":          "n2-standard-8",
	})
	if err == nil {
		t.Fatal("invalid GCP config accepted")
	}
	msg := err.Error()
	for _, want := range []string{
		"gcp:region = (not set)", "pulumi config set gcp:region",
		`gcp:project = "My_Project"`,
		`livekit-infra:gcpPodsCidr = "10.20.0.0/21"`, "holds 8 node /24s but maxNodes is 10",
		`livekit-infra:gcpServicesCidr = "10.10.0.0/24"`, "overlaps livekit-infra:gcpNetworkCidr",
		`livekit-infra:gcpLivekitChartVersion = "^1.9"`, "exact chart version",
		`livekit-infra:gcpPodCpu = "4"`, "does not fit n2-standard-4",
		`livekit-infra:gcpReleaseChannel = "FAST"`, "RAPID, REGULAR, STABLE, EXTENDED",
		`livekit-infra:gcpRedisVersion = "REDIS_6_X"`,
		`livekit-infra:gcpDrainSeconds = "30"`,
		"did you mean livekit-infra:gcpMachineType",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not mention %q:\n%s", want, msg)
		}
	}
}

func TestMuxedUDPPort(t *testing.T) {
	p, err := euStack.With(map[string]string{"mediaUdpPorts": "7882"})
	if err != nil {
		t.Fatal(err)
	}
	fw := one(t, p, tFirewall, "livekit-media")
	udp := input(t, fw, "allows[0]").(map[string]any)
	if udp["protocol"] != "udp" || strs(udp["ports"])[0] != "7882" {
		t.Errorf("media rule = %v, want udp 7882", udp)
	}
	chart := one(t, p, tChart, "livekit")
	if v, _ := chart.Input("values.livekit.rtc.udp_port"); v != 7882 {
		t.Errorf("chart udp_port = %v", v)
	}
	if _, c := renderedConfig(t, p); c.RTC.UDPPort != 7882 {
		t.Errorf("rendered rtc = %+v", c.RTC)
	}
}
