package plan

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// FakeGCPProject and FakeGCPProjectNumber answer for resources that do not
// name their project (the provider's default project).
const (
	FakeGCPProject       = "plan-project"
	FakeGCPProjectNumber = "123456789012"
)

// FakeMemorystoreCA is the PEM the mock Memorystore returns as its server CA.
const FakeMemorystoreCA = "-----BEGIN CERTIFICATE-----\nMIIDfjCCAmagAwIBAgIBADANBgkqhkiG9w0BAQsFADBUMS0wKwYDVQQDEyRlNDc1\nplan-memorystore-server-ca\n-----END CERTIFICATE-----"

func init() { registerCloud(gcpComputed, gcpInvokes) }

func gcpProject(mi MockInfo) string {
	if p, ok := plainString(mi.Inputs, "project"); ok {
		return p
	}
	return FakeGCPProject
}

func gcpLocation(mi MockInfo, def string) string {
	for _, k := range []string{"region", "location"} {
		if s, ok := plainString(mi.Inputs, k); ok {
			return strings.ToLower(s)
		}
	}
	return def
}

// fakeIP returns a deterministic address in prefix a.b (e.g. "34.120").
func fakeIP(prefix, seed string) string {
	h := hashBytes(seed)
	return fmt.Sprintf("%s.%d.%d", prefix, h[0], 1+int(h[1])%254)
}

func selfLink(mi MockInfo, scope, collection string) string {
	return fmt.Sprintf("https://www.googleapis.com/compute/v1/projects/%s/%s/%s/%s", gcpProject(mi), scope, collection, mi.PhysicalName())
}

func gcpID(mi MockInfo, scope, collection string) resource.PropertyMap {
	id := fmt.Sprintf("projects/%s/%s/%s/%s", gcpProject(mi), scope, collection, mi.PhysicalName())
	return props(map[string]any{"id": id, "selfLink": selfLink(mi, scope, collection)})
}

func merge(ms ...resource.PropertyMap) resource.PropertyMap {
	out := resource.PropertyMap{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

var gcpComputed = map[string]ComputedFunc{
	"gcp:compute/network:Network": func(mi MockInfo) resource.PropertyMap {
		return merge(gcpID(mi, "global", "networks"), props(map[string]any{"gatewayIpv4": "", "numericId": hashDigits(mi.Name, 19)}))
	},
	"gcp:compute/subnetwork:Subnetwork": func(mi MockInfo) resource.PropertyMap {
		region := gcpLocation(mi, "europe-west1")
		gw := ""
		if c, ok := plainString(mi.Inputs, "ipCidrRange"); ok {
			if ip, _, found := strings.Cut(c, "/"); found {
				parts := strings.Split(ip, ".")
				if len(parts) == 4 {
					gw = strings.Join(append(parts[:3], "1"), ".")
				}
			}
		}
		return merge(gcpID(mi, "regions/"+region, "subnetworks"), props(map[string]any{"gatewayAddress": gw}))
	},
	"gcp:compute/router:Router": func(mi MockInfo) resource.PropertyMap {
		return gcpID(mi, "regions/"+gcpLocation(mi, "europe-west1"), "routers")
	},
	"gcp:compute/firewall:Firewall": func(mi MockInfo) resource.PropertyMap {
		return gcpID(mi, "global", "firewalls")
	},
	"gcp:compute/globalAddress:GlobalAddress": func(mi MockInfo) resource.PropertyMap {
		out := gcpID(mi, "global", "addresses")
		if _, ok := mi.Inputs["address"]; !ok {
			out["address"] = resource.NewProperty(fakeIP("34.120", mi.Name))
		}
		return out
	},
	"gcp:compute/sSLPolicy:SSLPolicy": func(mi MockInfo) resource.PropertyMap {
		return merge(gcpID(mi, "global", "sslPolicies"), props(map[string]any{"enabledFeatures": []any{}, "fingerprint": hashHex(mi.Name, 12)}))
	},
	"gcp:compute/uRLMap:URLMap": func(mi MockInfo) resource.PropertyMap {
		return gcpID(mi, "global", "urlMaps")
	},
	"gcp:compute/targetHttpsProxy:TargetHttpsProxy": func(mi MockInfo) resource.PropertyMap {
		return gcpID(mi, "global", "targetHttpsProxies")
	},
	"gcp:compute/globalForwardingRule:GlobalForwardingRule": func(mi MockInfo) resource.PropertyMap {
		return gcpID(mi, "global", "forwardingRules")
	},
	"gcp:compute/backendBucket:BackendBucket": func(mi MockInfo) resource.PropertyMap {
		return gcpID(mi, "global", "backendBuckets")
	},
	"gcp:redis/instance:Instance": func(mi MockInfo) resource.PropertyMap {
		region := gcpLocation(mi, "europe-west1")
		// Memorystore serves TLS on 6378 when in-transit encryption is on.
		port := 6379
		if m, _ := plainString(mi.Inputs, "transitEncryptionMode"); m == "SERVER_AUTHENTICATION" {
			port = 6378
		}
		return merge(props(map[string]any{
			"id":                     fmt.Sprintf("projects/%s/locations/%s/instances/%s", gcpProject(mi), region, mi.PhysicalName()),
			"host":                   fakeIP("10.30", mi.Name),
			"port":                   port,
			"readEndpoint":           "",
			"currentLocationId":      region + "-b",
			"locationId":             region + "-b",
			"nodes":                  []any{map[string]any{"id": "node-0", "zone": region + "-b"}, map[string]any{"id": "node-1", "zone": region + "-c"}},
			"persistenceIamIdentity": fmt.Sprintf("serviceAccount:service-%s@cloud-redis.iam.gserviceaccount.com", FakeGCPProjectNumber),
			"serverCaCerts": []any{map[string]any{
				"cert": FakeMemorystoreCA, "serialNumber": "0", "sha1Fingerprint": hashHex("ca"+mi.Name, 40),
				"createTime": "2025-01-01T00:00:00Z", "expireTime": "2035-01-01T00:00:00Z",
			}},
		}), resource.PropertyMap{
			"authString": resource.MakeSecret(resource.NewProperty(fakeSecret(hashAlnum("auth:"+mi.Name, 36)))),
		})
	},
	"gcp:container/cluster:Cluster": func(mi MockInfo) resource.PropertyMap {
		loc := gcpLocation(mi, "europe-west1")
		ca := base64.StdEncoding.EncodeToString([]byte("-----BEGIN CERTIFICATE-----\nplan-gke-cluster-ca-" + mi.Name + "\n-----END CERTIFICATE-----\n"))
		return props(map[string]any{
			"id":       fmt.Sprintf("projects/%s/locations/%s/clusters/%s", gcpProject(mi), loc, mi.PhysicalName()),
			"selfLink": fmt.Sprintf("https://container.googleapis.com/v1/projects/%s/locations/%s/clusters/%s", gcpProject(mi), loc, mi.PhysicalName()),
			"endpoint": fakeIP("34.76", mi.Name),
			"masterAuth": map[string]any{
				"clientCertificateConfig": map[string]any{"issueClientCertificate": false},
				"clusterCaCertificate":    ca,
			},
			"masterVersion": "1.31.5-gke.1000",
			"operation":     "",
		})
	},
	"gcp:container/nodePool:NodePool": func(mi MockInfo) resource.PropertyMap {
		// A regional pool: one managed instance group in each of three zones.
		loc := gcpLocation(mi, "europe-west1")
		var managers, groups []any
		for _, z := range []string{"b", "c", "d"} {
			base := fmt.Sprintf("https://www.googleapis.com/compute/v1/projects/%s/zones/%s-%s/", gcpProject(mi), loc, z)
			g := "gke-" + mi.PhysicalName() + "-" + hashHex(mi.Name+z, 8) + "-grp"
			managers = append(managers, base+"instanceGroupManagers/"+g)
			groups = append(groups, base+"instanceGroups/"+g)
		}
		return props(map[string]any{
			"instanceGroupUrls":        managers,
			"managedInstanceGroupUrls": groups,
			"version":                  "1.31.5-gke.1000",
		})
	},
	"gcp:serviceaccount/account:Account": func(mi MockInfo) resource.PropertyMap {
		id, _ := plainString(mi.Inputs, "accountId")
		if id == "" {
			id = mi.Name
		}
		email := fmt.Sprintf("%s@%s.iam.gserviceaccount.com", id, gcpProject(mi))
		return props(map[string]any{
			"id":       fmt.Sprintf("projects/%s/serviceAccounts/%s", gcpProject(mi), email),
			"email":    email,
			"member":   "serviceAccount:" + email,
			"uniqueId": hashDigits(email, 21),
			"name":     fmt.Sprintf("projects/%s/serviceAccounts/%s", gcpProject(mi), email),
		})
	},
	"gcp:certificatemanager/dnsAuthorization:DnsAuthorization": func(mi MockInfo) resource.PropertyMap {
		domain, _ := plainString(mi.Inputs, "domain")
		name := "_acme-challenge." + domain + "."
		if t, _ := plainString(mi.Inputs, "type"); t == "PER_PROJECT_RECORD" {
			name = "_acme-challenge_" + hashAlnum("proj:"+domain, 16) + "." + domain + "."
		}
		return props(map[string]any{
			"id": fmt.Sprintf("projects/%s/locations/global/dnsAuthorizations/%s", gcpProject(mi), mi.PhysicalName()),
			"dnsResourceRecords": []any{map[string]any{
				"name": strings.ToLower(name),
				"type": "CNAME",
				"data": fmt.Sprintf("%s.%d.authorize.certificatemanager.goog.", uuidish("dnsauth:"+domain), 1+int(hashBytes(domain)[0])%9),
			}},
		})
	},
	"gcp:certificatemanager/certificate:Certificate": func(mi MockInfo) resource.PropertyMap {
		return props(map[string]any{"id": fmt.Sprintf("projects/%s/locations/global/certificates/%s", gcpProject(mi), mi.PhysicalName())})
	},
	"gcp:certificatemanager/certificateMap:CertificateMap": func(mi MockInfo) resource.PropertyMap {
		return props(map[string]any{"id": fmt.Sprintf("projects/%s/locations/global/certificateMaps/%s", gcpProject(mi), mi.PhysicalName())})
	},
	// Cloud Monitoring names channels and policies with a number of its own.
	"gcp:monitoring/notificationChannel:NotificationChannel": func(mi MockInfo) resource.PropertyMap {
		n := fmt.Sprintf("projects/%s/notificationChannels/%s", gcpProject(mi), hashDigits(mi.Name, 19))
		return props(map[string]any{"id": n, "name": n, "verificationStatus": "UNVERIFIED"})
	},
	"gcp:monitoring/alertPolicy:AlertPolicy": func(mi MockInfo) resource.PropertyMap {
		n := fmt.Sprintf("projects/%s/alertPolicies/%s", gcpProject(mi), hashDigits(mi.Name, 19))
		return props(map[string]any{"id": n, "name": n})
	},
	"gcp:storage/bucket:Bucket": func(mi MockInfo) resource.PropertyMap {
		name := mi.PhysicalName()
		if _, ok := plainString(mi.Inputs, "name"); !ok {
			name = mi.Name + "-" + hashHex("bucket"+mi.Name, 7)
		}
		return props(map[string]any{
			"id":       name,
			"name":     name,
			"url":      "gs://" + name,
			"selfLink": "https://www.googleapis.com/storage/v1/b/" + name,
		})
	},
	"random:index/randomBytes:RandomBytes": func(mi MockInfo) resource.PropertyMap {
		n := 32
		if v, ok := mi.Inputs["length"]; ok && v.IsNumber() {
			n = int(v.NumberValue())
		}
		b := hashBytes("bytes:" + mi.Name)[:n]
		return resource.PropertyMap{
			"base64": resource.MakeSecret(resource.NewProperty(base64.StdEncoding.EncodeToString(b))),
			"hex":    resource.MakeSecret(resource.NewProperty(fmt.Sprintf("%x", b))),
		}
	},
	"kubernetes:helm.sh/v4:Chart": func(mi MockInfo) resource.PropertyMap {
		// A Chart's children are rendered by the provider; the mock has none.
		return props(map[string]any{"resources": []any{}})
	},
}

var gcpInvokes = map[string]InvokeFunc{
	"gcp:organizations/getProject:getProject": func(mi MockInfo) resource.PropertyMap {
		id := FakeGCPProject
		if s, ok := plainString(mi.Inputs, "projectId"); ok {
			id = s
		}
		return props(map[string]any{
			"id": "projects/" + id, "projectId": id, "number": FakeGCPProjectNumber, "name": id,
		})
	},
}
