package gcp_test

import (
	"slices"
	"strings"
	"testing"
)

func TestRecordingsBucket(t *testing.T) {
	p := stackPlan(t)
	b := only(t, p, tBucket)
	expect(t, b, map[string]any{
		"uniformBucketLevelAccess": true,
		"publicAccessPrevention":   "enforced",
		"versioning.enabled":       true,
		"location":                 strings.ToUpper(euRegion),
		"forceDestroy":             false,
	})
	if !b.Protect {
		t.Error("the recordings bucket is not protected")
	}
	var transition, expire, noncurrent bool
	for _, e := range input(t, b, "lifecycleRules").([]any) {
		m := e.(map[string]any)
		a, c := m["action"].(map[string]any), m["condition"].(map[string]any)
		switch {
		case a["type"] == "SetStorageClass" && a["storageClass"] == "NEARLINE" && c["age"] == 30:
			transition = true
		case a["type"] == "Delete" && c["age"] == 365:
			expire = true
		case a["type"] == "Delete" && c["daysSinceNoncurrentTime"] == 30:
			noncurrent = true
		}
	}
	if !transition || !expire || !noncurrent {
		t.Errorf("lifecycle: NEARLINE after 30 days %v, delete after 365 %v, old versions after 30 %v", transition, expire, noncurrent)
	}
	// Nothing grants public read.
	for _, m := range p.ByType(tBucketIAM) {
		if mem := m.InputString("member"); mem == "allUsers" || mem == "allAuthenticatedUsers" {
			t.Errorf("bucket grants %s to %s", m.InputString("role"), mem)
		}
	}
}

func TestRecordingsCDN(t *testing.T) {
	p := stackPlan(t)
	bucket, _ := p.Outputs["recordingsBucket"].(string)
	if bucket == "" {
		t.Fatal("no recordingsBucket output")
	}
	bb := only(t, p, tBackendBkt)
	expect(t, bb, map[string]any{"enableCdn": true, "bucketName": bucket})
	fillGrant := one(t, p, tBucketIAM, "livekit-recordings-cdn-fill")
	if fillGrant.InputString("bucket") != bucket {
		t.Errorf("CDN fill grant on bucket %q, want %q", fillGrant.InputString("bucket"), bucket)
	}
	key := only(t, p, tSignedKey)
	if !key.IsSecret("keyValue") {
		t.Error("the CDN URL-signing key is not a secret")
	}
	fill := one(t, p, tBucketIAM, "livekit-recordings-cdn-fill")
	expect(t, fill, map[string]any{"role": "roles/storage.objectViewer"})
	if m := fill.InputString("member"); !strings.HasSuffix(m, "@cloud-cdn-fill.iam.gserviceaccount.com") {
		t.Errorf("CDN read grant goes to %q, want Cloud CDN's fill service agent", m)
	}
	// Google creates the fill service agent when the project's first signed
	// URL key is added (cloud.google.com/cdn/docs/using-signed-urls#configure_permissions):
	// on a fresh project a grant that races the key fails.
	if !slices.Contains(fill.Dependencies, key.URN) {
		t.Errorf("the CDN fill grant does not wait for the signed URL key %s; depends on %v", key.URN, fill.Dependencies)
	}

	um := only(t, p, tURLMap)
	proxy := only(t, p, tHTTPSProxy)
	cmap := one(t, p, tCertMap, "livekit-recordings-cdn")
	if !strings.HasSuffix(proxy.InputString("certificateMap"), cmap.ID) || !strings.HasPrefix(proxy.InputString("certificateMap"), "//certificatemanager.googleapis.com/") {
		t.Errorf("proxy certificateMap = %q", proxy.InputString("certificateMap"))
	}
	if proxy.InputString("urlMap") == "" || um.InputString("defaultService") == "" {
		t.Error("CDN load balancer is not wired to the backend bucket")
	}
	pol := one(t, p, tSSLPolicy, "livekit-recordings-cdn")
	expect(t, pol, map[string]any{"minTlsVersion": "TLS_1_2"})
	fr := one(t, p, tFwdRule, "livekit-recordings-cdn")
	expect(t, fr, map[string]any{"portRange": "443", "ipProtocol": "TCP"})
	cert := one(t, p, tCert, "livekit-recordings-cdn")
	if d := strs(input(t, cert, "managed.domains")); len(d) != 1 || d[0] != "recordings."+euHostname {
		t.Errorf("CDN certificate domains = %v", d)
	}
	rec := one(t, p, tRecord, "livekit-recordings-cdn-dns")
	expect(t, rec, map[string]any{"name": "recordings." + euHostname, "type": "A"})
}

func TestRecordingsWithoutCDN(t *testing.T) {
	p, err := euStack.With(map[string]string{"recordingsCdn": "false"})
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{tBackendBkt, tSignedKey, tURLMap, tHTTPSProxy, tFwdRule} {
		for _, r := range p.ByType(typ) {
			if strings.HasPrefix(r.Name, "livekit-recordings") {
				t.Errorf("%s %s without CDN", typ, r.Name)
			}
		}
	}
	// The one grant left is Egress's object creation (TestEgressWritesOnlyItsBucket).
	for _, g := range p.ByType(tBucketIAM) {
		if g.Name != "livekit-egress-recordings" {
			t.Errorf("bucket grant %s (%s to %s) without CDN", g.Name, g.InputString("role"), g.InputString("member"))
		}
	}
	if len(p.ByType(tBucket)) != 1 {
		t.Error("no recordings bucket without CDN")
	}
	if p.Outputs["recordingsCdn"] != "" {
		t.Errorf("recordingsCdn = %v without CDN", p.Outputs["recordingsCdn"])
	}
}
