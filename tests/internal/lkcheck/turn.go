package lkcheck

import (
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// CheckTURNOverTLS checks a Kubernetes region's TURN/TLS from what clients
// and pods see: the rendered config (body) advertises domain with TLS ended
// in front of the pods (external_tls) on their port tlsPort, and the stack's
// turnUrl output is turns:<domain>:443 over TCP.
func CheckTURNOverTLS(t testing.TB, p *plan.Plan, body, domain string, tlsPort int) {
	t.Helper()
	var cfg struct {
		TURN struct {
			Domain      string `yaml:"domain"`
			TLSPort     int    `yaml:"tls_port"`
			ExternalTLS bool   `yaml:"external_tls"`
		} `yaml:"turn"`
	}
	if err := yaml.Unmarshal([]byte(body), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.TURN.Domain != domain || cfg.TURN.TLSPort != tlsPort || !cfg.TURN.ExternalTLS {
		t.Errorf("turn = %+v, want %s on %d with external_tls", cfg.TURN, domain, tlsPort)
	}
	if got := p.Outputs["turnUrl"]; got != "turns:"+domain+":443?transport=tcp" {
		t.Errorf("output turnUrl = %v", got)
	}
}
