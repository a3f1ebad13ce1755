package lkcheck

import (
	"testing"

	"gopkg.in/yaml.v3"
)

// Config is the subset of a rendered LiveKit server config that the region
// tests read back from a plan (every cloud's the same; tests/config judges
// the whole file with LiveKit's own parser).
type Config struct {
	Port   int               `yaml:"port"`
	Region string            `yaml:"region"`
	Keys   map[string]string `yaml:"keys"`
	// Prometheus is LiveKit's metrics endpoint (the scrape target).
	Prometheus struct {
		Port int `yaml:"port"`
	} `yaml:"prometheus"`
	RTC struct {
		TCPPort        int    `yaml:"tcp_port"`
		UDPPort        int    `yaml:"udp_port"`
		PortRangeStart int    `yaml:"port_range_start"`
		PortRangeEnd   int    `yaml:"port_range_end"`
		UseExternalIP  bool   `yaml:"use_external_ip"`
		NodeIP         string `yaml:"node_ip"`
	} `yaml:"rtc"`
	Redis struct {
		Address  string `yaml:"address"`
		Password string `yaml:"password"`
		// UseTLS is the deprecated use_tls (nil when absent).
		UseTLS *bool `yaml:"use_tls"`
		// TLS is nil when the config has no redis.tls block.
		TLS *struct {
			Enabled    bool   `yaml:"enabled"`
			Insecure   bool   `yaml:"insecure"`
			CACertFile string `yaml:"ca_cert_file"`
		} `yaml:"tls"`
	} `yaml:"redis"`
	TURN *struct {
		Enabled     bool   `yaml:"enabled"`
		Domain      string `yaml:"domain"`
		UDPPort     int    `yaml:"udp_port"`
		TLSPort     int    `yaml:"tls_port"`
		ExternalTLS bool   `yaml:"external_tls"`
		RelayStart  int    `yaml:"relay_range_start"`
		RelayEnd    int    `yaml:"relay_range_end"`
	} `yaml:"turn"`
}

// RedisTLS reports whether the config turns on TLS to Redis.
func (c Config) RedisTLS() bool { return c.Redis.TLS != nil && c.Redis.TLS.Enabled }

// ParseConfig reads a rendered LiveKit config; the test fails when it is
// not YAML.
func ParseConfig(t testing.TB, body string) Config {
	t.Helper()
	var c Config
	if err := yaml.Unmarshal([]byte(body), &c); err != nil {
		t.Fatalf("rendered LiveKit config is not YAML: %v\n%s", err, body)
	}
	return c
}
