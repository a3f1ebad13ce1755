package config

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

// The ACI stack renders one LiveKit config per container group
// (tests/azure TestACIGroupConfigs records them); LiveKit's own parser
// must accept every one, in single-port UDP mode with the group's ports and
// the firewall's IP advertised.
func TestACIRenderedConfigsPassLiveKitParser(t *testing.T) {
	s, err := stackconfig.Parse("azure-aci", committedRaw(t, "azure-aci", nil))
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(repoRoot, "tests", "config", "testdata", "rendered-aci", "azure-aci.group-*.yaml"))
	if len(files) != s.Azure.ACI.Groups {
		t.Fatalf("%d recorded group configs, want one per group (%d): go test ./tests/azure -run ACIGroupConfigs -update-rendered", len(files), s.Azure.ACI.Groups)
	}
	nodeIP := ""
	for i := 0; i < s.Azure.ACI.Groups; i++ {
		path := filepath.Join(repoRoot, "tests", "config", "testdata", "rendered-aci", fmt.Sprintf("azure-aci.group-%d.yaml", i))
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		conf := strictParse(t, string(b))
		udp, tcp := s.Azure.ACI.GroupPorts(s.Region.Media, i)
		if !conf.RTC.UDPPort.Valid() || conf.RTC.UDPPort.Start != udp || (conf.RTC.UDPPort.End != 0 && conf.RTC.UDPPort.End != udp) {
			t.Errorf("group %d: LiveKit reads rtc.udp_port %+v, want the single port %d", i, conf.RTC.UDPPort, udp)
		}
		if conf.RTC.ICEPortRangeStart != 0 || conf.RTC.ICEPortRangeEnd != 0 {
			t.Errorf("group %d: an ICE port range %d-%d beside the mux port", i, conf.RTC.ICEPortRangeStart, conf.RTC.ICEPortRangeEnd)
		}
		if int(conf.RTC.TCPPort) != tcp {
			t.Errorf("group %d: rtc.tcp_port %d, want %d", i, conf.RTC.TCPPort, tcp)
		}
		ip := conf.RTC.NodeIP.V4
		if conf.RTC.UseExternalIP || conf.RTC.NodeIP.IsEmpty() {
			t.Errorf("group %d: use_external_ip %t, node_ip %s: a group must advertise the firewall's IP, not discover its own", i, conf.RTC.UseExternalIP, ip)
		}
		if nodeIP == "" {
			nodeIP = ip
		} else if ip != nodeIP {
			t.Errorf("group %d advertises %s, group 0 %s: every group sits behind the one media IP", i, ip, nodeIP)
		}
		if conf.Redis.TLS == nil || !conf.Redis.TLS.Enabled || conf.Redis.Password == "" {
			t.Errorf("group %d: Redis without TLS or AUTH", i)
		}
		if conf.TURN.Enabled {
			t.Errorf("group %d: TURN on; ACI offers none", i)
		}
	}
}
