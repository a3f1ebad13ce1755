package config

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/tests/internal/egresskeys"
)

// egressBase is a valid Egress config for the key-set tests.
func egressBase() livekit.EgressSettings {
	return livekit.EgressSettings{
		APIKey: "APIegress", APISecret: testSecret, WSURL: "wss://aws-prod.example.com",
		Redis:   livekit.Redis{Address: "10.0.8.12:6378", Password: "p4ssw0rd-p4ssw0rd", TLS: true, CACertFile: "/etc/egress/redis-ca.pem"},
		Storage: livekit.EgressStorage{S3Bucket: "livekit-recordings-1", S3Region: "us-west-2"},
		CPUCost: livekit.DefaultCPUCost, LogLevel: "info",
	}
}

// Every key the renderer writes, for each storage kind, is a key of Egress
// v1.14.1 (tests/internal/egresskeys/keys-v1.14.1.txt records where the key
// set was read in Egress's source).
func TestEgressConfigKeysBelongToPinnedVersion(t *testing.T) {
	storages := map[string]livekit.EgressStorage{
		"s3":    {S3Bucket: "livekit-recordings-1", S3Region: "us-west-2"},
		"gcs":   {GCSBucket: "livekit-recordings-eu"},
		"azure": {AzureAccount: "lkrec0123", AzureAccountKey: "a2V5", AzureContainer: "recordings"},
	}
	for name, st := range storages {
		s := egressBase()
		s.Storage = st
		out, err := livekit.RenderEgress(s)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		bad, err := egresskeys.Unknown(out)
		if err != nil {
			t.Fatal(err)
		}
		if len(bad) > 0 {
			t.Errorf("%s: keys Egress %s does not read: %v\n%s", name, egresskeys.Version, bad, out)
		}
		paths, _ := egresskeys.Paths(out)
		for _, want := range []string{"api_key", "api_secret", "ws_url", "redis.address", "redis.password", "redis.tls.enabled",
			"redis.tls.ca_cert_file", "health_port", "prometheus_port", "cpu_cost.room_composite_cpu_cost", "storage." + map[string]string{"s3": "s3.bucket", "gcs": "gcp.bucket", "azure": "azure.account_key"}[name]} {
			if !contains(paths, want) {
				t.Errorf("%s: rendered config lacks %s:\n%s", name, want, out)
			}
		}
		// No static cloud keys where an identity serves (task role, Workload
		// Identity): the clients then use their default credential chain.
		for _, p := range paths {
			if strings.HasSuffix(p, "access_key") || strings.HasSuffix(p, ".secret") || strings.HasSuffix(p, "credentials_json") {
				t.Errorf("%s: static storage credential %s in the config", name, p)
			}
		}
	}
}

// The key-set check catches what Egress would silently ignore.
func TestEgressKeySetCatchesUnknownKeys(t *testing.T) {
	out, err := livekit.RenderEgress(egressBase())
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	doc["log_level"] = "debug"                                  // the egress chart's default key; Egress reads logging.level
	doc["cpu_cost"].(map[string]any)["room_composite_cost"] = 3 // misspelt
	b, _ := yaml.Marshal(doc)
	bad, err := egresskeys.Unknown(string(b))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(bad, ",") != "cpu_cost.room_composite_cost,log_level" {
		t.Errorf("unknown keys = %v, want cpu_cost.room_composite_cost and log_level", bad)
	}
	if keys := egresskeys.Keys(); !keys["storage.s3.metadata.*"] || !keys["redis.tls.ca_cert_file"] || len(keys) < 150 {
		t.Errorf("key set looks truncated: %d keys", len(keys))
	}
}

// The renderer refuses what Egress could not use.
func TestEgressConfigRejectsBadSettings(t *testing.T) {
	cases := map[string]func(*livekit.EgressSettings){
		"no storage":   func(s *livekit.EgressSettings) { s.Storage = livekit.EgressStorage{} },
		"two storages": func(s *livekit.EgressSettings) { s.Storage.GCSBucket = "b" },
		"azure without key": func(s *livekit.EgressSettings) {
			s.Storage = livekit.EgressStorage{AzureAccount: "a", AzureContainer: "c"}
		},
		"http url":       func(s *livekit.EgressSettings) { s.WSURL = "https://aws-prod.example.com" },
		"redis url":      func(s *livekit.EgressSettings) { s.Redis.Address = "rediss://host:6379" },
		"no secret":      func(s *livekit.EgressSettings) { s.APISecret = "" },
		"cpu cost zero":  func(s *livekit.EgressSettings) { s.CPUCost.RoomComposite = 0 },
		"utilization >1": func(s *livekit.EgressSettings) { s.CPUCost.MaxCPUUtilization = 1.5 },
		"ca without tls": func(s *livekit.EgressSettings) { s.Redis.TLS = false },
	}
	for name, mutate := range cases {
		s := egressBase()
		mutate(&s)
		if _, err := livekit.RenderEgress(s); err == nil {
			t.Errorf("%s: rendered without error", name)
		}
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
