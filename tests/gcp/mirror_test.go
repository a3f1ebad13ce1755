package gcp_test

import (
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/components/livekit"
)

const (
	tARRepo    = "gcp:artifactregistry/repository:Repository"
	tARRepoIAM = "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember"
	// gcpMirror is gcp-eu's remote repository: region, project, ID.
	gcpMirror = "europe-west1-docker.pkg.dev/my-livekit-project/docker-hub-gcp-eu"
)

// The region's Artifact Registry remote repository mirrors Docker Hub, in
// the cluster's region and project.
func TestMirrorRepository(t *testing.T) {
	p := stackPlan(t)
	repo := only(t, p, tARRepo)
	expect(t, repo, map[string]any{
		"project":      "my-livekit-project",
		"location":     "europe-west1",
		"repositoryId": "docker-hub-gcp-eu",
		"format":       "DOCKER",
		"mode":         "REMOTE_REPOSITORY",
		"remoteRepositoryConfig.dockerRepository.publicRepository": "DOCKER_HUB",
	})
}

// The nodes pull the pinned LiveKit image from the mirror, by digest: the
// chart gets the mirror's repository and the tag, and the Deployment
// transform (components/kubernetes tests) the exact reference, which the
// stack reports.
func TestImageFromMirrorByDigest(t *testing.T) {
	p := stackPlan(t)
	chart := one(t, p, tChart, "livekit")
	if got := chart.InputString("values.image.repository"); !strings.HasPrefix(got, gcpMirror+"/") {
		t.Errorf("chart image repository %q is not under the mirror %s", got, gcpMirror)
	}
	if got, want := p.Outputs["image"], gcpMirror+"/"+livekit.Image; got != want {
		t.Errorf("output image %v, want %s", got, want)
	}
	if !strings.Contains(livekit.Image, "@sha256:") {
		t.Errorf("default image %s is not pinned by digest", livekit.Image)
	}
}

// Only the LiveKit nodes' service account may read the mirror, with the
// reader role on this repository alone (no project-wide registry role).
func TestMirrorReaderIsTheNodeAccount(t *testing.T) {
	p := stackPlan(t)
	m := only(t, p, tARRepoIAM)
	nodes := one(t, p, tSA, "livekit-nodes")
	expect(t, m, map[string]any{"role": "roles/artifactregistry.reader", "location": "europe-west1", "project": "my-livekit-project"})
	if got := m.InputString("repository"); !strings.HasSuffix(got, "docker-hub-gcp-eu") {
		t.Errorf("reader binding on repository %q, want the mirror docker-hub-gcp-eu", got)
	}
	want := "serviceAccount:" + nodes.InputString("accountId") + "@my-livekit-project.iam.gserviceaccount.com"
	if got := m.InputString("member"); got != want {
		t.Errorf("reader member %q, want the node service account %s", got, want)
	}
	for _, r := range p.ByType(tIAMMember) {
		if strings.HasPrefix(r.InputString("role"), "roles/artifactregistry.") {
			t.Errorf("project-wide %s on %s: readers get the mirror repository only", r.InputString("role"), r.InputString("member"))
		}
	}
}

// registryMirror: false pulls Docker Hub directly: no repository, no grant.
func TestMirrorOff(t *testing.T) {
	p, err := euStack.With(map[string]string{"registryMirror": "false"})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(p.ByType(tARRepo)) + len(p.ByType(tARRepoIAM)); n != 0 {
		t.Errorf("%d mirror resources with registryMirror false", n)
	}
	if got := one(t, p, tChart, "livekit").InputString("values.image.repository"); got != "docker.io/livekit/livekit-server" {
		t.Errorf("chart image repository %q, want docker.io/livekit/livekit-server", got)
	}
}
