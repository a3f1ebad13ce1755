package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/tests/internal/lkcheck"
)

// repoRoot is the project directory (Pulumi.yaml and the stack files).
const repoRoot = "../.."

const ns = stackconfig.Namespace + ":"

// validAWS is the smallest valid aws config: everything else defaults.
func validAWS() map[string]string {
	return map[string]string{
		ns + "kind":   "aws",
		ns + "domain": "example.com",
		ns + "zoneId": "Z0123456789EXAMPLE",
		"aws:region":  "us-west-2",
	}
}

// problems returns the config problems inside err (lkcheck.Problems).
var problems = lkcheck.Problems

// wantOneProblem checks that err reports exactly one problem, for key, and
// that its text says every fragment of want.
func wantOneProblem(t *testing.T, err error, key string, want []string) {
	t.Helper()
	if err == nil {
		t.Fatal("accepted; want a config error")
	}
	ps := problems(t, err)
	if len(ps) != 1 || ps[0].Key != key {
		t.Fatalf("problems %v, want exactly one for %s", ps, key)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not say %q:\n%v", w, err)
		}
	}
}

// wantVerdict checks a parse's error: none when want is empty, else
// exactly one problem, for key, saying each of want.
func wantVerdict(t *testing.T, err error, key string, want []string) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("refused: %v", err)
		}
		return
	}
	wantOneProblem(t, err, key, want)
}

func TestValidBaseConfig(t *testing.T) {
	s, err := stackconfig.Parse("aws-prod", stackconfig.Raw{Values: validAWS()})
	if err != nil {
		t.Fatalf("the base config of TestInvalidConfig must be valid: %v", err)
	}
	if s.Kind != stackconfig.KindAWS || s.AWS == nil || s.Region == nil {
		t.Fatalf("parsed %+v, want an aws stack with Region and AWS sections", s)
	}
}

// TestInvalidConfig mutates one key of a valid config per row: the error
// must list exactly that one problem, naming the full key, the bad value and
// what is allowed.
func TestInvalidConfig(t *testing.T) {
	const (
		secret48 = "0123456789abcdefghij0123456789abcdefghij01234567"
		secret20 = "0123456789abcdefghij"
	)
	cases := []struct {
		name   string
		set    map[string]string // full key -> value
		unset  []string          // full keys removed from the base
		secret []string          // full keys marked secret
		key    string            // the one problem's key
		want   []string          // fragments of the error text (value, what is allowed)
		leak   string            // a secret that must not appear in the error
	}{
		{name: "kind missing", unset: []string{ns + "kind"},
			key: ns + "kind", want: []string{"(not set)", "required", "aws, gcp, azure"}},
		{name: "kind empty", set: map[string]string{ns + "kind": ""},
			key: ns + "kind", want: []string{"(not set)", "required"}},
		{name: "kind unknown", set: map[string]string{ns + "kind": "kubernetes"},
			key: ns + "kind", want: []string{`"kubernetes"`, "must be one of aws, gcp, azure, global"}},
		{name: "domain missing", unset: []string{ns + "domain"},
			key: ns + "domain", want: []string{"(not set)", "required", "hosted zone"}},
		{name: "domain empty", set: map[string]string{ns + "domain": "  "},
			key: ns + "domain", want: []string{"(not set)", "required"}},
		{name: "domain bad", set: map[string]string{ns + "domain": "example..com"},
			key: ns + "domain", want: []string{`"example..com"`, "must be a DNS name such as example.com"}},
		{name: "domain with scheme", set: map[string]string{ns + "domain": "https://example.com"},
			key: ns + "domain", want: []string{`"https://example.com"`, "DNS name"}},
		{name: "zoneId missing", unset: []string{ns + "zoneId"},
			key: ns + "zoneId", want: []string{"(not set)", "required", "Route 53 hosted zone ID"}},
		{name: "zoneId bad", set: map[string]string{ns + "zoneId": "/hostedzone/Z0123"},
			key: ns + "zoneId", want: []string{`"/hostedzone/Z0123"`, "Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ"}},
		{name: "hostname outside the zone", set: map[string]string{ns + "hostname": "lk.example.org"},
			key: ns + "hostname", want: []string{`"lk.example.org"`, "inside the zone example.com"}},
		{name: "hostname is the apex", set: map[string]string{ns + "hostname": "example.com"},
			key: ns + "hostname", want: []string{`"example.com"`, "below its apex"}},
		{name: "hostname equals global hostname", set: map[string]string{ns + "hostname": "livekit.example.com"},
			key: ns + "hostname", want: []string{`"livekit.example.com"`, "must differ from the global hostname livekit.example.com"}},
		{name: "globalHostname outside the zone", set: map[string]string{ns + "globalHostname": "livekit.example.net"},
			key: ns + "globalHostname", want: []string{`"livekit.example.net"`, "inside the zone example.com"}},
		{name: "image latest", set: map[string]string{ns + "image": "livekit/livekit-server:latest"},
			key: ns + "image", want: []string{`"livekit/livekit-server:latest"`, "pinned by digest", livekit.Image}},
		{name: "image unpinned", set: map[string]string{ns + "image": "livekit/livekit-server"},
			key: ns + "image", want: []string{`"livekit/livekit-server"`, "pinned by digest"}},
		{name: "image bad digest", set: map[string]string{ns + "image": "livekit/livekit-server:v1.13.5@sha256:3497163e"},
			key: ns + "image", want: []string{`"livekit/livekit-server:v1.13.5@sha256:3497163e"`, "sha256: followed by 64 lowercase hex digits"}},
		{name: "image tag only", set: map[string]string{ns + "image": "livekit/livekit-server:v1.13.5"},
			key: ns + "image", want: []string{"pinned by digest", "the tag stays for people"}},
		{name: "image other registry", set: map[string]string{ns + "image": "ghcr.io/livekit/livekit-server:v1.13.5@" + livekit.ImageDigest},
			key: ns + "image", want: []string{`registry "ghcr.io"`, "mirrors cache Docker Hub"}},
		{name: "dockerHubUsername invalid", set: map[string]string{ns + "dockerHubUsername": "Not A User"},
			key: ns + "dockerHubUsername", want: []string{`"Not A User"`, "Docker Hub username"}},
		{name: "dockerHub without mirror", set: map[string]string{ns + "registryMirror": "false", ns + "dockerHubUsername": "lkinfra"},
			key: ns + "registryMirror", want: []string{"contradicts", "dockerHubUsername"}},
		{name: "apiSecret plain text",
			set:    map[string]string{ns + "apiKey": "APIabc123", ns + "apiSecret": secret48},
			secret: []string{ns + "apiKey"},
			key:    ns + "apiSecret", want: []string{"(plain text)", "pulumi config set --secret livekit-infra:apiSecret"}, leak: secret48},
		{name: "apiSecret short",
			set:    map[string]string{ns + "apiKey": "APIabc123", ns + "apiSecret": secret20},
			secret: []string{ns + "apiKey", ns + "apiSecret"},
			key:    ns + "apiSecret", want: []string{"[secret]", "has 20 characters", "at least 32", "only logs"}, leak: secret20},
		{name: "apiSecret with whitespace",
			set:    map[string]string{ns + "apiKey": "APIabc123", ns + "apiSecret": secret20 + " " + secret20},
			secret: []string{ns + "apiKey", ns + "apiSecret"},
			key:    ns + "apiSecret", want: []string{"[secret]", "whitespace"}, leak: secret20},
		{name: "apiKey bad characters",
			set:    map[string]string{ns + "apiKey": "API-key!", ns + "apiSecret": secret48},
			secret: []string{ns + "apiKey", ns + "apiSecret"},
			key:    ns + "apiKey", want: []string{"[secret]", "3-64 letters, digits or underscores"}, leak: "API-key!"},
		{name: "apiKey without apiSecret",
			set:    map[string]string{ns + "apiKey": "APIabc123"},
			secret: []string{ns + "apiKey"},
			key:    ns + "apiSecret", want: []string{"(not set)", "livekit-infra:apiKey", "both", "--secret"}, leak: "APIabc123"},
		{name: "apiSecret without apiKey",
			set:    map[string]string{ns + "apiSecret": secret48},
			secret: []string{ns + "apiSecret"},
			key:    ns + "apiKey", want: []string{"(not set)", "livekit-infra:apiSecret", "both"}, leak: secret48},
		{name: "redisPassword with @",
			set: map[string]string{ns + "redisPassword": "abcdefgh@ijklmnopq"}, secret: []string{ns + "redisPassword"},
			key: ns + "redisPassword", want: []string{"[secret]", "only letters, digits and ! & # $ ^ < > -"}, leak: "abcdefgh@ijklmnopq"},
		{name: "redisPassword with /",
			set: map[string]string{ns + "redisPassword": "abcdefgh/ijklmnopq"}, secret: []string{ns + "redisPassword"},
			key: ns + "redisPassword", want: []string{"[secret]", "ElastiCache AUTH token rules"}, leak: "abcdefgh/ijklmnopq"},
		{name: "redisPassword short",
			set: map[string]string{ns + "redisPassword": "short-pw"}, secret: []string{ns + "redisPassword"},
			key: ns + "redisPassword", want: []string{"[secret]", "has 8 characters", "16-128"}, leak: "short-pw"},
		{name: "redisPassword plain text",
			set: map[string]string{ns + "redisPassword": "abcdefghijklmnopq"},
			key: ns + "redisPassword", want: []string{"(plain text)", "--secret"}, leak: "abcdefghijklmnopq"},
		{name: "mediaUdpPorts garbage", set: map[string]string{ns + "mediaUdpPorts": "lots"},
			key: ns + "mediaUdpPorts", want: []string{`"lots"`, "START-END", "50000-60000", "muxed"}},
		{name: "mediaUdpPorts reversed", set: map[string]string{ns + "mediaUdpPorts": "60000-50000"},
			key: ns + "mediaUdpPorts", want: []string{`"60000-50000"`, "ends before it starts"}},
		{name: "mediaUdpPorts too small", set: map[string]string{ns + "mediaUdpPorts": "50000-50009"},
			key: ns + "mediaUdpPorts", want: []string{`"50000-50009"`, "has 10 ports", "at least 100"}},
		{name: "mediaUdpPorts contains 7881", set: map[string]string{ns + "mediaUdpPorts": "7000-8000"},
			key: ns + "mediaUdpPorts", want: []string{`"7000-8000"`, "contains port 788", "used for"}},
		{name: "mediaUdpPorts muxed on 7881", set: map[string]string{ns + "mediaUdpPorts": "7881"},
			key: ns + "mediaUdpPorts", want: []string{`"7881"`, "port 7881 is already used for ICE/TCP"}},
		{name: "mediaUdpPorts zero", set: map[string]string{ns + "mediaUdpPorts": "0"},
			key: ns + "mediaUdpPorts", want: []string{`"0"`, "port 0 is outside 1024-65535"}},
		{name: "mediaUdpPorts privileged", set: map[string]string{ns + "mediaUdpPorts": "500-900"},
			key: ns + "mediaUdpPorts", want: []string{`"500-900"`, "1024-65535"}},
		{name: "turnUdpPort inside media range", set: map[string]string{ns + "turnUdpPort": "55000"},
			key: ns + "turnUdpPort", want: []string{"55000", "outside mediaUdpPorts 50000-60000"}},
		{name: "turnUdpPort on the muxed media port", set: map[string]string{ns + "mediaUdpPorts": "7882", ns + "turnUdpPort": "7882"},
			key: ns + "turnUdpPort", want: []string{"7882", "outside mediaUdpPorts 7882"}},
		{name: "turnUdpPort privileged", set: map[string]string{ns + "turnUdpPort": "443"},
			key: ns + "turnUdpPort", want: []string{"443", "0 (off) or from 1024 to 65535"}},
		{name: "turnUdpPort negative", set: map[string]string{ns + "turnUdpPort": "-1"},
			key: ns + "turnUdpPort", want: []string{`"-1"`, "0 to 65535"}},
		{name: "turnUdpPort reuses 7881", set: map[string]string{ns + "turnUdpPort": "7881"},
			key: ns + "turnUdpPort", want: []string{"7881", "must not reuse 7880, 7881 or 6789"}},
		{name: "turnUdpPort inside the TURN relay ports", set: map[string]string{ns + "turnUdpPort": "35000"},
			key: ns + "turnUdpPort", want: []string{"35000", "TURN relay ports 30000-40000"}},
		// TURN/TLS (#20), on by default: its port, name and the relay range
		// against everything else on the node and in the zone.
		{name: "turnTlsPort reuses the signaling port", set: map[string]string{ns + "turnTlsPort": "7880"},
			key: ns + "turnTlsPort", want: []string{"7880", "signaling port 7880"}},
		{name: "turnTlsPort reuses ICE/TCP", set: map[string]string{ns + "turnTlsPort": "7881"},
			key: ns + "turnTlsPort", want: []string{"7881", "ICE/TCP 7881"}},
		{name: "turnTlsPort inside the media range", set: map[string]string{ns + "turnTlsPort": "50001"},
			key: ns + "turnTlsPort", want: []string{"50001", "outside mediaUdpPorts 50000-60000"}},
		{name: "turnTlsPort inside the relay ports", set: map[string]string{ns + "turnTlsPort": "30443"},
			key: ns + "turnTlsPort", want: []string{"30443", "TURN relay ports 30000-40000"}},
		{name: "turnTlsPort privileged", set: map[string]string{ns + "turnTlsPort": "443"},
			key: ns + "turnTlsPort", want: []string{`"443"`, "from 1024 to 65535"}},
		{name: "turnTls not a boolean", set: map[string]string{ns + "turnTls": "yes please"},
			key: ns + "turnTls", want: []string{`"yes please"`, "true or false"}},
		{name: "media range over the TURN relay ports", set: map[string]string{ns + "mediaUdpPorts": "35000-45000"},
			key: ns + "mediaUdpPorts", want: []string{`"35000-45000"`, "overlaps LiveKit's TURN relay ports 30000-40000", "turnTls"}},
		{name: "turnHostname outside the zone", set: map[string]string{ns + "turnHostname": "turn.example.org"},
			key: ns + "turnHostname", want: []string{`"turn.example.org"`, "inside the zone example.com"}},
		{name: "turnHostname the zone apex", set: map[string]string{ns + "turnHostname": "example.com"},
			key: ns + "turnHostname", want: []string{`"example.com"`, "below its apex"}},
		{name: "turnHostname the signaling name", set: map[string]string{ns + "turnHostname": "aws-prod.example.com"},
			key: ns + "turnHostname", want: []string{`"aws-prod.example.com"`, "must differ from the signaling hostname", "own load balancer"}},
		{name: "turnHostname the global name", set: map[string]string{ns + "turnHostname": "livekit.example.com"},
			key: ns + "turnHostname", want: []string{`"livekit.example.com"`, "must differ from the global hostname"}},
		{name: "turnHostname not a DNS name", set: map[string]string{ns + "turnHostname": "turn_1.example.com"},
			key: ns + "turnHostname", want: []string{`"turn_1.example.com"`, "DNS name"}},
		{name: "minNodes 0", set: map[string]string{ns + "minNodes": "0"},
			key: ns + "minNodes", want: []string{`"0"`, "from 1 to 1000"}},
		{name: "minNodes not a number", set: map[string]string{ns + "minNodes": "three"},
			key: ns + "minNodes", want: []string{`"three"`, "whole number from 1 to 1000"}},
		{name: "maxNodes below minNodes", set: map[string]string{ns + "maxNodes": "2"},
			key: ns + "maxNodes", want: []string{"2", "at least minNodes (3)"}},
		{name: "maxNodes not a number", set: map[string]string{ns + "maxNodes": "ten"},
			key: ns + "maxNodes", want: []string{`"ten"`, "whole number"}},
		{name: "cpuTarget too high", set: map[string]string{ns + "cpuTarget": "99"},
			key: ns + "cpuTarget", want: []string{`"99"`, "from 10 to 95"}},
		{name: "cpuTarget too low", set: map[string]string{ns + "cpuTarget": "5"},
			key: ns + "cpuTarget", want: []string{`"5"`, "from 10 to 95"}},
		{name: "sysloadLimitPercent out of range", set: map[string]string{ns + "sysloadLimitPercent": "150"},
			key: ns + "sysloadLimitPercent", want: []string{`"150"`, "from 10 to 100"}},
		{name: "logLevel bogus", set: map[string]string{ns + "logLevel": "verbose"},
			key: ns + "logLevel", want: []string{`"verbose"`, "must be one of debug, info, warn, error"}},
		{name: "logRetentionDays not a CloudWatch value", set: map[string]string{ns + "logRetentionDays": "45"},
			key: ns + "logRetentionDays", want: []string{"45", "CloudWatch Logs retention", "30, 60"}},
		{name: "logRetentionDays 0", set: map[string]string{ns + "logRetentionDays": "0"},
			key: ns + "logRetentionDays", want: []string{`"0"`, "from 1 to 3653"}},
		{name: "recordingsExpireDays before transition", set: map[string]string{ns + "recordingsExpireDays": "30"},
			key: ns + "recordingsExpireDays", want: []string{"30", "later than recordingsTransitionDays (30)"}},
		{name: "protect not a boolean", set: map[string]string{ns + "protect": "yes"},
			key: ns + "protect", want: []string{`"yes"`, "true or false"}},
		{name: "aws:region missing", unset: []string{"aws:region"},
			key: "aws:region", want: []string{"(not set)", "pulumi config set aws:region"}},
		{name: "aws:region bogus", set: map[string]string{"aws:region": "oregon"},
			key: "aws:region", want: []string{`"oregon"`, "AWS region such as us-west-2"}},
		{name: "awsVpcCidr not a CIDR", set: map[string]string{ns + "awsVpcCidr": "10.0.0.0"},
			key: ns + "awsVpcCidr", want: []string{`"10.0.0.0"`, "IPv4 CIDR such as 10.0.0.0/16"}},
		{name: "awsVpcCidr IPv6", set: map[string]string{ns + "awsVpcCidr": "fd00::/48"},
			key: ns + "awsVpcCidr", want: []string{`"fd00::/48"`, "IPv4 CIDR"}},
		{name: "awsVpcCidr host bits", set: map[string]string{ns + "awsVpcCidr": "10.0.1.0/16"},
			key: ns + "awsVpcCidr", want: []string{`"10.0.1.0/16"`, "host bits", "10.0.0.0/16"}},
		{name: "awsVpcCidr public", set: map[string]string{ns + "awsVpcCidr": "8.8.0.0/16"},
			key: ns + "awsVpcCidr", want: []string{`"8.8.0.0/16"`, "private range"}},
		{name: "awsVpcCidr too small", set: map[string]string{ns + "awsVpcCidr": "10.0.0.0/26"},
			key: ns + "awsVpcCidr", want: []string{`"10.0.0.0/26"`, "/16 to /23"}},
		{name: "awsVpcCidr too large", set: map[string]string{ns + "awsVpcCidr": "10.0.0.0/8"},
			key: ns + "awsVpcCidr", want: []string{`"10.0.0.0/8"`, "/16 to /23"}},
		{name: "awsAvailabilityZones two", set: map[string]string{ns + "awsAvailabilityZones": `["us-west-2a","us-west-2b"]`},
			key: ns + "awsAvailabilityZones", want: []string{"us-west-2a, us-west-2b", "exactly 3 zones (got 2)"}},
		{name: "awsAvailabilityZones wrong region", set: map[string]string{ns + "awsAvailabilityZones": `["us-west-2a","us-west-2b","us-east-1c"]`},
			key: ns + "awsAvailabilityZones", want: []string{`"us-east-1c"`, "must be a zone of us-west-2"}},
		{name: "awsAvailabilityZones region only", set: map[string]string{ns + "awsAvailabilityZones": `["us-west-2a","us-west-2b","us-west-2"]`},
			key: ns + "awsAvailabilityZones", want: []string{`"us-west-2"`, "must be a zone of us-west-2, e.g. us-west-2a"}},
		{name: "awsAvailabilityZones duplicate", set: map[string]string{ns + "awsAvailabilityZones": `["us-west-2a","us-west-2b","us-west-2a"]`},
			key: ns + "awsAvailabilityZones", want: []string{`"us-west-2a"`, "listed twice"}},
		{name: "awsAvailabilityZones not a list", set: map[string]string{ns + "awsAvailabilityZones": "us-west-2a"},
			key: ns + "awsAvailabilityZones", want: []string{`"us-west-2a"`, "list of strings"}},
		{name: "awsNatGateways bogus", set: map[string]string{ns + "awsNatGateways": "two"},
			key: ns + "awsNatGateways", want: []string{`"two"`, "perAz, single, none"}},
		{name: "awsTaskCpu invalid", set: map[string]string{ns + "awsTaskCpu": "3000"},
			key: ns + "awsTaskCpu", want: []string{"3000", "256, 512, 1024, 2048, 4096, 8192, 16384"}},
		{name: "awsTaskCpu too small", set: map[string]string{ns + "awsTaskCpu": "128"},
			key: ns + "awsTaskCpu", want: []string{"128", "256"}},
		{name: "awsTaskCpu not a number", set: map[string]string{ns + "awsTaskCpu": "2 vCPU"},
			key: ns + "awsTaskCpu", want: []string{`"2 vCPU"`, "whole number"}},
		{name: "awsTaskMemory not allowed for the cpu", set: map[string]string{ns + "awsTaskMemory": "3072"},
			key: ns + "awsTaskMemory", want: []string{"3072", "not a Fargate size for 2048 CPU units", "4096-16384 MiB in steps of 1024"}},
		{name: "awsTaskMemory not allowed for 256 cpu", set: map[string]string{ns + "awsTaskCpu": "256", ns + "awsTaskMemory": "4096"},
			key: ns + "awsTaskMemory", want: []string{"4096", "for 256 CPU units", "512, 1024, 2048 MiB"}},
		// The metrics collector sidecar takes 256 CPU units and 512 MiB of
		// the task; LiveKit keeps at least as much again (both keys at
		// 256/512: tests/aws TestCollectorFitsTheTask).
		{name: "awsTaskCpu no room beside the collector", set: map[string]string{ns + "awsTaskCpu": "256", ns + "awsTaskMemory": "2048"},
			key: ns + "awsTaskCpu", want: []string{"256", "metrics collector", "at least 512"}},
		{name: "awsTaskMemory not a number", set: map[string]string{ns + "awsTaskMemory": "4GB"},
			key: ns + "awsTaskMemory", want: []string{`"4GB"`, "whole number"}},
		{name: "awsDrainSeconds above the Fargate cap", set: map[string]string{ns + "awsDrainSeconds": "300"},
			key: ns + "awsDrainSeconds", want: []string{`"300"`, "from 2 to 120"}},
		{name: "awsRedisNodeType bogus", set: map[string]string{ns + "awsRedisNodeType": "t4g.medium"},
			key: ns + "awsRedisNodeType", want: []string{`"t4g.medium"`, "cache.t4g.medium"}},
		{name: "awsRedisNodes 1", set: map[string]string{ns + "awsRedisNodes": "1"},
			key: ns + "awsRedisNodes", want: []string{`"1"`, "from 2 to 6"}},
		{name: "awsRedisEngineVersion bogus", set: map[string]string{ns + "awsRedisEngineVersion": "5.0.6"},
			key: ns + "awsRedisEngineVersion", want: []string{`"5.0.6"`, "6.2, 7.0, 7.1"}},
		{name: "awsRedisMaintenanceWindow format", set: map[string]string{ns + "awsRedisMaintenanceWindow": "sunday 5am"},
			key: ns + "awsRedisMaintenanceWindow", want: []string{`"sunday 5am"`, "sun:05:00-sun:06:00"}},
		{name: "awsRedisMaintenanceWindow hour 24", set: map[string]string{ns + "awsRedisMaintenanceWindow": "sun:24:00-mon:01:00"},
			key: ns + "awsRedisMaintenanceWindow", want: []string{`"sun:24:00-mon:01:00"`, "sun:05:00-sun:06:00"}},
		{name: "awsRedisSnapshotWindow format", set: map[string]string{ns + "awsRedisSnapshotWindow": "3-4"},
			key: ns + "awsRedisSnapshotWindow", want: []string{`"3-4"`, "03:00-04:00"}},
		{name: "awsRedisSnapshotRetentionDays too long", set: map[string]string{ns + "awsRedisSnapshotRetentionDays": "36"},
			key: ns + "awsRedisSnapshotRetentionDays", want: []string{`"36"`, "from 0 to 35"}},
		{name: "awsAlbIdleTimeout 10", set: map[string]string{ns + "awsAlbIdleTimeout": "10"},
			key: ns + "awsAlbIdleTimeout", want: []string{`"10"`, "from 60 to 4000"}},
		{name: "awsAlbSslPolicy allows TLS 1.0", set: map[string]string{ns + "awsAlbSslPolicy": "ELBSecurityPolicy-2016-08"},
			key: ns + "awsAlbSslPolicy", want: []string{`"ELBSecurityPolicy-2016-08"`, "ELBSecurityPolicy-TLS13-1-2-2021-06"}},
		{name: "awsCloudfrontPriceClass bogus", set: map[string]string{ns + "awsCloudfrontPriceClass": "PriceClass_50"},
			key: ns + "awsCloudfrontPriceClass", want: []string{`"PriceClass_50"`, "PriceClass_100, PriceClass_200, PriceClass_All"}},
		{name: "typo'd key", set: map[string]string{ns + "minNode": "2"},
			key: ns + "minNode", want: []string{`"2"`, "not a known key", "did you mean livekit-infra:minNodes"}},
		{name: "unknown key without a near match", set: map[string]string{ns + "colour": "blue"},
			key: ns + "colour", want: []string{`"blue"`, "not a known key"}},
	}
	if len(cases) < 30 {
		t.Fatalf("only %d cases", len(cases))
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("duplicate case %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			raw := stackconfig.Raw{Values: validAWS(), Secret: map[string]bool{}}
			for _, k := range tc.unset {
				delete(raw.Values, k)
			}
			for k, v := range tc.set {
				raw.Values[k] = v
			}
			for _, k := range tc.secret {
				raw.Secret[k] = true
			}
			s, err := stackconfig.Parse("aws-prod", raw)
			if err == nil {
				t.Fatalf("Parse accepted the config: %+v", s)
			}
			if s != nil {
				t.Errorf("Parse returned a stack along with the error")
			}
			var se *stackconfig.Error
			if !errors.As(err, &se) {
				t.Fatalf("error is %T, want *stackconfig.Error: %v", err, err)
			}
			if se.Stack != "aws-prod" {
				t.Errorf("Error.Stack = %q, want aws-prod", se.Stack)
			}
			if len(se.Problems) != 1 {
				t.Fatalf("want exactly 1 problem (%s), got %d:\n%v", tc.key, len(se.Problems), err)
			}
			p := se.Problems[0]
			if p.Key != tc.key {
				t.Errorf("problem key = %q, want %q", p.Key, tc.key)
			}
			if p.Value == "" || p.Allowed == "" {
				t.Errorf("problem %+v lacks the value or what is allowed", p)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.key+" = ") {
				t.Errorf("error does not name the key %s:\n%s", tc.key, msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q:\n%s", w, msg)
				}
			}
			if tc.leak != "" && strings.Contains(msg, tc.leak) {
				t.Errorf("error leaks the secret %q:\n%s", tc.leak, msg)
			}
		})
	}
}

// TestAllErrorsReportedTogether: independent mistakes are reported in one
// error, so a user fixes them in one round.
func TestAllErrorsReportedTogether(t *testing.T) {
	raw := stackconfig.Raw{Values: validAWS()}
	mistakes := map[string]string{
		ns + "minNodes":                "0",
		ns + "logLevel":                "loud",
		ns + "awsTaskCpu":              "3000",
		ns + "awsDrainSeconds":         "300",
		ns + "awsAlbSslPolicy":         "ELBSecurityPolicy-2016-08",
		ns + "mediaUdpPorts":           "60000-50000",
		ns + "maxNodez":                "12",
		ns + "awsCloudfrontPriceClass": "cheap",
	}
	for k, v := range mistakes {
		raw.Values[k] = v
	}
	delete(raw.Values, "aws:region")
	_, err := stackconfig.Parse("aws-prod", raw)
	ps := problems(t, err)
	got := map[string]int{}
	for _, p := range ps {
		got[p.Key]++
	}
	want := map[string]int{"aws:region": 1}
	for k := range mistakes {
		want[k] = 1
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("problems by key = %v, want %v\n%v", got, want, err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, fmt.Sprintf(`invalid configuration for stack "aws-prod" (%d problems):`, len(want))) {
		t.Errorf("error header: %s", msg)
	}
	if n := strings.Count(msg, "\n  - "); n != len(want) {
		t.Errorf("error lists %d lines, want %d:\n%s", n, len(want), msg)
	}
	if !strings.Contains(msg, "did you mean livekit-infra:maxNodes?") {
		t.Errorf("the typo hint is missing:\n%s", msg)
	}
}

// TestValidConfigDefaults: the committed aws stack parses, and what it does
// not set takes the documented defaults.
func TestValidConfigDefaults(t *testing.T) {
	sc, raw := lkcheck.StackRaw(t, repoRoot, "aws-prod")
	s, err := stackconfig.Parse(sc.Stack, raw)
	if err != nil {
		t.Fatalf("Pulumi.aws-prod.yaml: %v", err)
	}
	r, a := s.Region, s.AWS
	checks := []struct {
		what      string
		got, want any
	}{
		{"name", s.Name, "aws-prod"},
		{"kind", s.Kind, stackconfig.KindAWS},
		{"domain", s.Domain, "example.com"},
		{"zoneId", s.ZoneID, "Z0123456789EXAMPLE"},
		{"hostname", r.Hostname, "aws-prod.example.com"},
		{"globalHostname", s.GlobalHostname, "livekit.example.com"},
		{"protect", s.Protect, true},
		{"image", r.Image, livekit.Image},
		{"minNodes", r.Scaling.Min, 3},
		{"maxNodes", r.Scaling.Max, 10},
		{"cpuTarget", r.Scaling.CPUTarget, 70},
		{"scaleOutCooldown", a.ScaleOutCooldown, 60},
		{"scaleInCooldown", a.ScaleInCooldown, 300},
		{"media", r.Media, livekit.MediaPorts{Start: 50000, End: 60000}},
		{"turnUdpPort", r.TURNUDPPort, 0},
		{"turnTls", r.TURNTLS, true},
		{"turnTlsPort", r.TURNTLSPort, 5349},
		{"turnHostname", r.TURNHostname, "turn.aws-prod.example.com"},
		{"sysloadLimit", r.SysloadLimit, 0.9},
		{"maxParticipants", r.MaxParticipants, 0},
		{"emptyTimeout", r.EmptyTimeout, 300},
		{"logLevel", r.LogLevel, "info"},
		{"logRetentionDays", r.LogRetentionDays, 30},
		{"recordings", r.Recordings, stackconfig.Recordings{CDN: true, TransitionDays: 30, ExpireDays: 365}},
		{"apiKey set", r.APIKey.IsSet(), false},
		{"apiSecret set", r.APISecret.IsSet(), false},
		{"region", a.Region, "us-west-2"},
		{"vpcCidr", a.VpcCIDR.String(), "10.0.0.0/16"},
		{"zones", len(a.AvailabilityZones), 0},
		{"natGateways", a.NATGateways, stackconfig.NATNone},
		{"taskCpu", a.TaskCPU, 2048},
		{"taskMemory", a.TaskMemory, 4096},
		{"drainSeconds", a.DrainSeconds, 120},
		{"containerInsights", a.ContainerInsights, true},
		{"redis nodeType", a.Redis.NodeType, "cache.t4g.small"},
		{"redis nodes", a.Redis.Nodes, 2},
		{"redis engine", a.Redis.EngineVersion, "7.1"},
		{"redis maintenance", a.Redis.MaintenanceWindow, "sun:05:00-sun:06:00"},
		{"redis snapshot", a.Redis.SnapshotWindow, "03:00-04:00"},
		{"redis retention", a.Redis.SnapshotRetentionDays, 7},
		{"redis password set", a.Redis.Password.IsSet(), false},
		{"albIdleTimeout", a.ALBIdleTimeout, 3600},
		{"albSslPolicy", a.ALBSSLPolicy, "ELBSecurityPolicy-TLS13-1-2-2021-06"},
		{"cdnPriceClass", a.CDNPriceClass, "PriceClass_100"},
	}
	for _, c := range checks {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	if s.GCP != nil || s.Azure != nil || s.Global != nil {
		t.Errorf("an aws stack has other kinds' sections: %+v", s)
	}

	// The same defaults must come from stackconfig.Keys alone (no Pulumi.yaml):
	// Pulumi.yaml only repeats them.
	v := validAWS()
	v[ns+"credentialsStack"] = r.CredentialsStack  // the stack file's choice, not a default
	v[ns+"alertEmails"] = `["oncall@example.com"]` // likewise
	// The stack file's budget and owner, not defaults.
	v[ns+"budgetMonthlyAmount"] = fmt.Sprint(r.Budget.Amount)
	v[ns+"budgetEmails"] = `["` + strings.Join(r.Budget.Emails, `","`) + `"]`
	v[ns+"owner"] = r.Owner
	s2, err := stackconfig.Parse("aws-prod", stackconfig.Raw{Values: v})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%+v", *s2.Region.Budget) != fmt.Sprintf("%+v", *r.Budget) {
		t.Errorf("budget defaults differ: %+v vs %+v", *s2.Region.Budget, *r.Budget)
	}
	if r.Budget.Currency != "USD" || fmt.Sprint(r.Budget.Thresholds) != "[50 80 100]" || r.Budget.Name != "livekit-aws-prod" {
		t.Errorf("budget = %+v, want USD at 50/80/100 %% named livekit-aws-prod", *r.Budget)
	}
	s2.Region.Budget, r.Budget = nil, nil
	if fmt.Sprintf("%+v %+v", *s2.Region, *s2.AWS) != fmt.Sprintf("%+v %+v", *s.Region, *s.AWS) {
		t.Errorf("defaults differ between stackconfig.Keys and Pulumi.yaml + stack file:\n%+v %+v\n%+v %+v", *s2.Region, *s2.AWS, *r, *a)
	}
}

// TestSecureValuesArePlaceholders: `secure:` values cannot be decrypted
// offline; they parse as set-but-unreadable, and never print.
func TestSecureValuesArePlaceholders(t *testing.T) {
	dir := t.TempDir()
	proj, err := os.ReadFile(filepath.Join(repoRoot, "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), proj, 0o644); err != nil {
		t.Fatal(err)
	}
	const stackFile = `config:
  aws:region: eu-west-1
  livekit-infra:kind: aws
  livekit-infra:domain: example.com
  livekit-infra:zoneId: Z0123456789EXAMPLE
  livekit-infra:apiKey:
    secure: v1:AAAAAAAAAAAAAAAA:ciphertextOfTheKey
  livekit-infra:apiSecret:
    secure: v1:BBBBBBBBBBBBBBBB:ciphertextOfTheSecret
  livekit-infra:redisPassword:
    secure: v1:CCCCCCCCCCCCCCCC:ciphertextOfThePassword
`
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.secure.yaml"), []byte(stackFile), 0o644); err != nil {
		t.Fatal(err)
	}
	sc, raw := lkcheck.StackRaw(t, dir, "secure")
	for _, k := range []string{"apiKey", "apiSecret", "redisPassword"} {
		if !raw.Secret[ns+k] || raw.Values[ns+k] != stackconfig.Placeholder {
			t.Errorf("%s: loaded as %q (secret %v), want the placeholder %q, secret", k, raw.Values[ns+k], raw.Secret[ns+k], stackconfig.Placeholder)
		}
	}
	s, err := stackconfig.Parse(sc.Stack, raw)
	if err != nil {
		t.Fatalf("a stack with secure: values must parse offline: %v", err)
	}
	secrets := map[string]stackconfig.Secret{
		"apiKey": s.Region.APIKey, "apiSecret": s.Region.APISecret, "redisPassword": s.AWS.Redis.Password,
	}
	for name, v := range secrets {
		if !v.IsSet() {
			t.Errorf("%s: not set; a secure: value must count as set (not regenerated)", name)
		}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			got := fmt.Sprintf(verb, v)
			if !strings.Contains(got, "[secret]") {
				t.Errorf("%s printed with %s = %s, want [secret]", name, verb, got)
			}
		}
	}
	// Printing whole sections (as debugging code would) must not reveal the
	// stand-ins either.
	dump := fmt.Sprintf("%v %+v %#v %v %+v %#v", *s.Region, *s.Region, *s.Region, *s.AWS, *s.AWS, *s.AWS)
	for _, stand := range []string{"APIplanplaceholder", strings.Repeat("p", 32), strings.Repeat("r", 16)} {
		if strings.Contains(dump, stand) {
			t.Errorf("printing the settings reveals a secret value %q:\n%s", stand, dump)
		}
	}
	// Region holds apiKey, apiSecret, the alert webhook and the unset
	// dockerHubAccessToken.
	if n := strings.Count(dump, "[secret]"); n != 15 {
		t.Errorf("expected each secret masked in each of 3 prints (4 in Region, 1 in AWS), found %d [secret]:\n%s", n, dump)
	}

	// The same values in plain text are refused, and the error does not
	// repeat them.
	plain := stackconfig.Raw{Values: map[string]string{}, Secret: map[string]bool{}}
	for k, v := range raw.Values {
		plain.Values[k] = v
	}
	plain.Values[ns+"apiKey"] = "APIplainkey"
	plain.Values[ns+"apiSecret"] = strings.Repeat("s", 40)
	plain.Values[ns+"redisPassword"] = strings.Repeat("x", 20)
	_, err = stackconfig.Parse(sc.Stack, plain)
	ps := problems(t, err)
	if len(ps) != 3 {
		t.Errorf("want 3 problems (one per plain-text secret), got %d:\n%v", len(ps), err)
	}
	for _, p := range ps {
		if p.Value != "(plain text)" {
			t.Errorf("problem %v: want value (plain text)", p)
		}
	}
	for _, v := range []string{"APIplainkey", strings.Repeat("s", 40), strings.Repeat("x", 20)} {
		if strings.Contains(err.Error(), v) {
			t.Errorf("error leaks %q:\n%v", v, err)
		}
	}
}

// TestCommittedStacksParse: every committed stack file of an implemented
// kind parses. Kinds whose model is still empty only need to parse at all.
func TestCommittedStacksParse(t *testing.T) {
	matches, err := filepath.Glob(filepath.Join(repoRoot, "Pulumi.*.yaml"))
	if err != nil || len(matches) == 0 {
		t.Fatalf("no stack files found: %v", err)
	}
	for _, m := range matches {
		stack := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(m), "Pulumi."), ".yaml")
		t.Run(stack, func(t *testing.T) {
			sc, raw := lkcheck.StackRaw(t, repoRoot, stack)
			s, err := stackconfig.Parse(sc.Stack, raw)
			if err != nil {
				t.Fatalf("%s: %v", m, err)
			}
			if want := stackconfig.Kind(raw.Values[ns+"kind"]); s.Kind != want {
				t.Errorf("kind = %q, want %q", s.Kind, want)
			}
			if s.Region != nil {
				if !strings.HasSuffix(s.Region.Hostname, "."+s.Domain) {
					t.Errorf("hostname %q is not inside %s", s.Region.Hostname, s.Domain)
				}
				if got := strconv.Itoa(s.Region.Media.First()); got == "0" {
					t.Errorf("no media ports")
				}
			}
		})
	}
}
