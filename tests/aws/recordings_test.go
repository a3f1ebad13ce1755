package aws_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

func TestRecordingsBucket(t *testing.T) {
	p := prod(t)
	bucket := child(t, p, tRecordings, tBucket, "")
	if !bucket.Protect {
		t.Error("recordings bucket is not protected by default")
	}
	if v, _ := bucket.RawInput("forceDestroy"); v == true {
		t.Error("forceDestroy would delete recordings with the bucket")
	}
	if b := child(t, variantPlan(t, "unprotected"), tRecordings, tBucket, ""); b.Protect {
		t.Error("recordings bucket is protected with protect=false")
	}

	pab := child(t, p, tRecordings, tPAB, "")
	expect(t, pab, "bucket", bucket.ID)
	for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
		expect(t, pab, k, true)
	}
	sse := child(t, p, tRecordings, tSSE, "")
	expect(t, sse, "bucket", bucket.ID)
	expect(t, sse, "rules[0].applyServerSideEncryptionByDefault.sseAlgorithm", "AES256")
	ver := child(t, p, tRecordings, tVersioning, "")
	expect(t, ver, "bucket", bucket.ID)
	expect(t, ver, "versioningConfiguration.status", "Enabled")
}

// Lifecycle: transition and expiry from config; 0 disables each.
func TestRecordingsLifecycle(t *testing.T) {
	for _, tc := range []struct {
		variant            string
		transition, expire int // 0: none
	}{{"", 30, 365}, {"keepForever", 0, 0}} {
		t.Run(fmt.Sprintf("variant=%q", tc.variant), func(t *testing.T) {
			p := prodOr(t, tc.variant)
			lc := child(t, p, tRecordings, tLifecycle, "")
			expect(t, lc, "bucket", child(t, p, tRecordings, tBucket, "").ID)
			rules, _ := lc.RawInput("rules")
			if n := len(rules.([]any)); n != 1 {
				t.Fatalf("%d lifecycle rules, want 1", n)
			}
			expect(t, lc, "rules[0].status", "Enabled")
			if tc.transition > 0 {
				expect(t, lc, "rules[0].transitions", []any{map[string]any{"days": tc.transition, "storageClass": "STANDARD_IA"}})
			} else {
				absentOrEmpty(t, lc, "rules[0].transitions", "recordingsTransitionDays is 0")
			}
			if tc.expire > 0 {
				expect(t, lc, "rules[0].expiration.days", tc.expire)
			} else if v, ok := lc.RawInput("rules[0].expiration"); ok && v != nil {
				t.Errorf("expiration %v with recordingsExpireDays 0: recordings must be kept", v)
			}
		})
	}
}

func bucketPolicy(t *testing.T, p *plan.Plan) policyDoc {
	t.Helper()
	var doc policyDoc
	jsonInput(t, child(t, p, tRecordings, tBucketPol, ""), "policy", &doc)
	return doc
}

// The bucket policy refuses plain HTTP and lets only this distribution read.
func TestRecordingsBucketPolicy(t *testing.T) {
	for _, variant := range []string{"", "noCdn"} {
		t.Run(fmt.Sprintf("variant=%q", variant), func(t *testing.T) {
			p := prodOr(t, variant)
			bucketArn := "arn:aws:s3:::" + child(t, p, tRecordings, tBucket, "").ID
			expect(t, child(t, p, tRecordings, tBucketPol, ""), "bucket", child(t, p, tRecordings, tBucket, "").ID)
			var denyTLS, allowCF int
			for _, s := range bucketPolicy(t, p).Statement {
				switch s.Effect {
				case "Deny":
					if s.Principal == "*" && s.Condition["Bool"]["aws:SecureTransport"] == "false" {
						denyTLS++
						res := strings.Join(s.resources(t), " ")
						if !strings.Contains(res, bucketArn+"/*") {
							t.Errorf("TLS deny covers %s, want the bucket's objects", res)
						}
					}
				case "Allow":
					princ, _ := s.Principal.(map[string]any)
					if len(princ) != 1 || princ["Service"] != "cloudfront.amazonaws.com" {
						t.Errorf("statement %q allows %v; only cloudfront.amazonaws.com may read", s.Sid, s.Principal)
						continue
					}
					dist, ok := findChild(p, tRecordings, tDist, "")
					if !ok {
						t.Errorf("statement %q allows CloudFront but there is no distribution", s.Sid)
						continue
					}
					want := fmt.Sprintf("arn:aws:cloudfront::%s:distribution/%s", plan.FakeAccountID, dist.ID)
					if got := s.Condition["StringEquals"]["AWS:SourceArn"]; got != want || len(s.Condition) != 1 {
						t.Errorf("CloudFront read condition %v, want StringEquals AWS:SourceArn = %s", s.Condition, want)
					}
					for _, a := range s.actions(t) {
						if a != "s3:GetObject" {
							t.Errorf("CloudFront may %s; it needs s3:GetObject only", a)
						}
					}
					allowCF++
				default:
					t.Errorf("statement %q has effect %q", s.Sid, s.Effect)
				}
			}
			if denyTLS != 1 {
				t.Errorf("%d statements deny aws:SecureTransport=false, want 1", denyTLS)
			}
			wantCF := 1
			if variant == "noCdn" {
				wantCF = 0
			}
			if allowCF != wantCF {
				t.Errorf("%d CloudFront read statements, want %d", allowCF, wantCF)
			}
		})
	}
}

// CloudFront: TLS 1.2 viewer certificate (in us-east-1), HTTPS only, OAC
// signing every origin request.
func TestRecordingsCDN(t *testing.T) {
	p := prod(t)
	dist := child(t, p, tRecordings, tDist, "")
	expect(t, dist, "viewerCertificate.minimumProtocolVersion", "TLSv1.2_2021")
	expect(t, dist, "viewerCertificate.sslSupportMethod", "sni-only")
	expect(t, dist, "defaultCacheBehavior.viewerProtocolPolicy", "redirect-to-https")
	expect(t, dist, "aliases", []any{"recordings." + prodHostname})
	if v, ok := dist.RawInput("viewerCertificate.cloudfrontDefaultCertificate"); ok && v == true {
		t.Error("the default *.cloudfront.net certificate allows TLS 1.0")
	}

	oac := child(t, p, tRecordings, tOAC, "")
	expect(t, oac, "signingBehavior", "always")
	expect(t, oac, "signingProtocol", "sigv4")
	expect(t, oac, "originAccessControlOriginType", "s3")
	expect(t, dist, "origins[0].originAccessControlId", oac.ID)
	if origins, _ := dist.RawInput("origins"); len(origins.([]any)) != 1 {
		t.Errorf("distribution has %d origins, want 1", len(origins.([]any)))
	}
	if v, ok := dist.RawInput("origins[0].s3OriginConfig"); ok && v != nil {
		t.Errorf("origin uses a legacy origin access identity %v; OAC only", v)
	}

	// CloudFront only accepts certificates from us-east-1.
	cert := child(t, p, tRecordings, tCert, "-cdn-cert")
	expect(t, cert, "domainName", "recordings."+prodHostname)
	expect(t, cert, "validationMethod", "DNS")
	prov := child(t, p, tRecordings, tAWSProvider, "-us-east-1")
	expect(t, prov, "region", "us-east-1")
	if !strings.HasPrefix(cert.Provider, prov.URN+"::") {
		t.Errorf("CDN certificate provider = %q, want the us-east-1 provider %s", cert.Provider, prov.URN)
	}
	validation := child(t, p, tRecordings, tCertValid, "-cdn-cert")
	if !strings.HasPrefix(validation.Provider, prov.URN+"::") {
		t.Errorf("CDN certificate validation runs in %q, want us-east-1", validation.Provider)
	}
	expect(t, dist, "viewerCertificate.acmCertificateArn", str(t, validation, "certificateArn"))
	dependsOn(t, dist, validation, "the distribution uses the validated certificate")
	if !strings.Contains(str(t, validation, "certificateArn"), ":us-east-1:") {
		t.Errorf("CDN certificate ARN %s is not in us-east-1", str(t, validation, "certificateArn"))
	}
	rec := child(t, p, tRecordings, tRecord, "-cdn-cert-validation-0")
	expect(t, rec, "zoneId", prodZoneID)

	dns := child(t, p, tRecordings, tRecord, "-cdn-dns")
	expect(t, dns, "name", "recordings."+prodHostname)
	expect(t, dns, "zoneId", prodZoneID)
	dependsOn(t, dns, dist, "the alias targets the distribution")
}

// recordingsCdn=false: no distribution, no certificate, no DNS name.
func TestRecordingsWithoutCDN(t *testing.T) {
	p := variantPlan(t, "noCdn")
	for _, typ := range []string{tDist, tOAC, tCert, tCertValid, tRecord, tAWSProvider} {
		if rs := childrenOfType(p, tRecordings, typ); len(rs) > 0 {
			t.Errorf("recordingsCdn=false still declares %s %v", typ, names(rs))
		}
	}
	if got := p.RawOutputs["recordingsCdn"]; got != "" {
		t.Errorf("recordingsCdn output = %v, want empty", got)
	}
	child(t, p, tRecordings, tBucket, "")
}

// The CDN serves only signed URLs (#17 item 5): the default behaviour trusts
// one key group holding the public half of a generated RSA 2048 key; the
// private half reaches token servers only through their Secrets Manager
// secret (a Pulumi secret), next to the public key's id they name as
// Key-Pair-Id. No IAM policy of the stack can read that secret.
func TestRecordingsCDNSignedURLs(t *testing.T) {
	const (
		tPrivKey  = "tls:index/privateKey:PrivateKey"
		tPubKey   = "aws:cloudfront/publicKey:PublicKey"
		tKeyGroup = "aws:cloudfront/keyGroup:KeyGroup"
	)
	p := prod(t)
	dist := child(t, p, tRecordings, tDist, "")
	group := child(t, p, tRecordings, tKeyGroup, "-cdn-signing")
	pub := child(t, p, tRecordings, tPubKey, "-cdn-signing")
	priv := child(t, p, tRecordings, tPrivKey, "-cdn-signing")

	expect(t, dist, "defaultCacheBehavior.trustedKeyGroups", []any{group.ID})
	dependsOn(t, dist, group, "the behaviour trusts the key group")
	absentOrEmpty(t, dist, "orderedCacheBehaviors", "every path must require a signature")
	expect(t, group, "items", []any{pub.ID})
	expect(t, priv, "algorithm", "RSA")
	expect(t, priv, "rsaBits", 2048)
	dependsOn(t, pub, priv, "CloudFront holds the generated key's public half")
	if got := str(t, pub, "encodedKey"); !strings.HasPrefix(got, "-----BEGIN PUBLIC KEY-----") {
		t.Errorf("public key %q is not the generated key's PEM", got)
	}
	if !slices.Contains(priv.AdditionalSecretOutputs, "privateKeyPem") {
		t.Errorf("private key's privateKeyPem is not a secret output (%v)", priv.AdditionalSecretOutputs)
	}

	ver, _ := p.Find(tSecretVer, "livekit-api-credentials")
	var creds map[string]string
	jsonInput(t, ver, "secretString", &creds)
	if creds["recordingsCdnKeyId"] != pub.ID {
		t.Errorf("token servers' secret names key %q, want the CloudFront public key %s", creds["recordingsCdnKeyId"], pub.ID)
	}
	if !strings.Contains(creds["recordingsCdnKey"], plan.MockPrivateKeyLabel+"-----") {
		t.Errorf("token servers' secret has no private signing key: %q", creds["recordingsCdnKey"])
	}
	if !ver.IsSecret("secretString") {
		t.Error("the token servers' secret body is not a Pulumi secret")
	}
	if got := p.Outputs["recordingsCdnKeyId"]; got != pub.ID || p.OutputIsSecret("recordingsCdnKeyId") {
		t.Errorf("output recordingsCdnKeyId = %v (secret %v), want the plain key id %s", got, p.OutputIsSecret("recordingsCdnKeyId"), pub.ID)
	}
	for k, v := range p.RawOutputs {
		if s, _ := v.(string); strings.Contains(s, plan.MockPrivateKeyLabel) {
			t.Errorf("output %s holds the private key", k)
		}
	}

	// Only token servers read the secret: no policy of this stack (the
	// ECS roles) names it.
	api, _ := p.Find(tSecret, "livekit-api-credentials")
	for _, r := range p.Resources {
		if !strings.HasPrefix(r.Type, "aws:iam/") {
			continue
		}
		for _, k := range []string{"policy", "inlinePolicies"} {
			if v, ok := r.RawInput(k); ok && strings.Contains(fmt.Sprint(v), api.ID) {
				t.Errorf("%s %q grants access to the token servers' secret", r.Type, r.Name)
			}
		}
	}

	// Without a CDN: no key, no signing fields.
	nc := variantPlan(t, "noCdn")
	for _, typ := range []string{tPrivKey, tPubKey, tKeyGroup} {
		if rs := childrenOfType(nc, tRecordings, typ); len(rs) > 0 {
			t.Errorf("recordingsCdn=false still declares %s %v", typ, names(rs))
		}
	}
	ver, _ = nc.Find(tSecretVer, "livekit-api-credentials")
	creds = nil
	jsonInput(t, ver, "secretString", &creds)
	if _, ok := creds["recordingsCdnKey"]; ok {
		t.Error("recordingsCdn=false: the token servers' secret still holds a CDN key")
	}
}
