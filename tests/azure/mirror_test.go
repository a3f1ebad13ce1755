package azure_test

import (
	"maps"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/plan"
)

const (
	tMirror    = "livekit-infra:index:RegistryMirror"
	tRegistry  = "azure-native:containerregistry:Registry"
	tCacheRule = "azure-native:containerregistry:CacheRule"
)

func init() {
	variants["mirrorOff"] = variant{Set: map[string]string{"registryMirror": "false"}}
}

// acrMirror is the login server of the plan's mirror registry.
func acrMirror(t *testing.T, p *plan.Plan) string {
	t.Helper()
	return str(t, one(t, p, tRegistry, "livekit-mirror"), "registryName") + ".azurecr.io"
}

// The registry takes Entra ID identities only, and caches exactly the
// pinned Docker Hub repositories of the LiveKit and Egress images.
func TestMirrorRegistry(t *testing.T) {
	p := asia(t)
	reg := one(t, p, tRegistry, "livekit-mirror")
	if v, _ := reg.Input("adminUserEnabled"); v != false {
		t.Errorf("adminUserEnabled = %v: a static admin credential", v)
	}
	if got := str(t, reg, "location"); got != "southeastasia" {
		t.Errorf("registry in %s, want the region southeastasia", got)
	}
	// The pinned Docker Hub repositories of LiveKit and of Egress (on by
	// default), each cached under its own name, nothing else.
	got := map[string]string{}
	for _, r := range p.ByType(tCacheRule) {
		got[str(t, &r, "sourceRepository")] = str(t, &r, "targetRepository")
		if on := str(t, &r, "registryName"); on != str(t, reg, "registryName") {
			t.Errorf("cache rule on registry %q, want the mirror", on)
		}
	}
	want := map[string]string{
		"docker.io/livekit/livekit-server": "livekit/livekit-server",
		"docker.io/livekit/egress":         "livekit/egress",
	}
	if !maps.Equal(got, want) {
		t.Errorf("cache rules %v, want %v", got, want)
	}
}

// The nodes pull the pinned image from the mirror by digest: the chart's
// repository is the mirror's, and the stack reports the exact reference
// the Deployment transform sets.
func TestImageFromMirrorByDigest(t *testing.T) {
	p := asia(t)
	mirror := acrMirror(t, p)
	if got := str(t, one(t, p, tChart, "livekit"), "values.image.repository"); !strings.HasPrefix(got, mirror+"/") {
		t.Errorf("chart image repository %q is not under %s", got, mirror)
	}
	if got, want := p.Outputs["image"], mirror+"/"+livekit.Image; got != want {
		t.Errorf("output image %v, want %s", got, want)
	}
}

// The kubelet identity of the cluster pulls, with AcrPull on the mirror
// registry alone.
func TestKubeletPullsFromMirror(t *testing.T) {
	p := asia(t)
	reg := one(t, p, tRegistry, "livekit-mirror")
	var pulls []plan.Resource
	for _, ra := range p.ByType(tAssignment) {
		if str(t, &ra, "roleDefinitionName") == "AcrPull" {
			pulls = append(pulls, ra)
		}
	}
	if len(pulls) != 1 {
		t.Fatalf("%d AcrPull assignments, want 1 (the kubelet identity)", len(pulls))
	}
	ra := pulls[0]
	if got := str(t, &ra, "scope"); got != reg.ID {
		t.Errorf("AcrPull scope %q, want the mirror registry %s only", got, reg.ID)
	}
	if got := str(t, &ra, "principalId"); got == "" || !strings.Contains(got, "-") {
		t.Errorf("AcrPull principal %q is not the kubelet identity's object id", got)
	}
}

// registryMirror: false pulls Docker Hub directly: no registry, no grant.
func TestMirrorOff(t *testing.T) {
	p := variantPlan(t, "mirrorOff")
	if n := len(p.ByType(tRegistry)) + len(p.ByType(tCacheRule)); n != 0 {
		t.Errorf("%d mirror resources with registryMirror false", n)
	}
	if got := str(t, one(t, p, tChart, "livekit"), "values.image.repository"); got != "docker.io/livekit/livekit-server" {
		t.Errorf("chart image repository %q", got)
	}
}
