package components

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Every cloud registers its MediaCluster outputs through Map, so the
// contract's keys are present in each and a cloud's extra cannot shadow them.
func TestMediaClusterOutputsMap(t *testing.T) {
	o := NewMediaClusterOutputs("gcp-eu.example.com", pulumi.String("203.0.113.9").ToStringOutput())
	m := o.Map(pulumi.Map{"url": pulumi.String("shadowed"), "ingressIp": pulumi.String("203.0.113.9")})
	for _, k := range []string{"url", "healthUrl", "loadBalancer", "ingressIp"} {
		if _, ok := m[k]; !ok {
			t.Errorf("Map() lacks %q", k)
		}
	}
	if m["url"] != o.URL {
		t.Errorf("an extra output replaced the contract's url")
	}
	if url, health := URLs("gcp-eu.example.com"); url != "wss://gcp-eu.example.com" || health != "https://gcp-eu.example.com/" {
		t.Errorf("URLs = %q, %q", url, health)
	}
}
