package plan

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// The AWS table of the plan mocks, beside mocks_gcp.go and mocks_azure.go.

func init() { registerCloud(awsComputed, awsInvokes) }

var awsComputed = map[string]ComputedFunc{
	"aws:lb/loadBalancer:LoadBalancer": func(mi MockInfo) resource.PropertyMap {
		kind := "app"
		if t, _ := plainString(mi.Inputs, "loadBalancerType"); t == "network" {
			kind = "net"
		} else if t == "gateway" {
			kind = "gwy"
		}
		name := mi.PhysicalName()
		return props(map[string]any{
			"dnsName":   fmt.Sprintf("%s-%s.%s.elb.amazonaws.com", name, hashDigits(mi.Type+mi.Name, 10), mi.Region),
			"zoneId":    "Z1H1FL5HABSF5",
			"arnSuffix": fmt.Sprintf("%s/%s/%s", kind, name, mi.Hash("lb", 16)),
			"arn":       fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:loadbalancer/%s/%s/%s", mi.Region, FakeAccountID, kind, name, mi.Hash("lb", 16)),
		})
	},
	"aws:lb/targetGroup:TargetGroup": func(mi MockInfo) resource.PropertyMap {
		name := mi.PhysicalName()
		return props(map[string]any{
			"arnSuffix": fmt.Sprintf("targetgroup/%s/%s", name, mi.Hash("tg", 16)),
			"arn":       fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:targetgroup/%s/%s", mi.Region, FakeAccountID, name, mi.Hash("tg", 16)),
		})
	},
	"aws:elasticache/replicationGroup:ReplicationGroup": func(mi MockInfo) resource.PropertyMap {
		id := mi.Name
		if s, ok := plainString(mi.Inputs, "replicationGroupId"); ok {
			id = s
		}
		port := any(6379)
		if v, ok := mi.Inputs["port"]; ok && v.IsNumber() {
			port = v.NumberValue()
		}
		host := fmt.Sprintf("%s.%s.%s.cache.amazonaws.com", id, mi.Hash("ec", 6), regionCode(mi.Region))
		return props(map[string]any{
			"primaryEndpointAddress":       "master." + host,
			"readerEndpointAddress":        "replica." + host,
			"configurationEndpointAddress": "clustercfg." + host,
			"port":                         port,
		})
	},
	"aws:acm/certificate:Certificate": func(mi MockInfo) resource.PropertyMap {
		var domains []string
		if d, ok := plainString(mi.Inputs, "domainName"); ok {
			domains = append(domains, d)
		}
		if v, ok := mi.Inputs["subjectAlternativeNames"]; ok && v.IsArray() {
			for _, e := range v.ArrayValue() {
				if e.IsString() {
					domains = append(domains, e.StringValue())
				}
			}
		}
		seen := map[string]bool{}
		var dvos []any
		for _, d := range domains {
			if seen[d] {
				continue
			}
			seen[d] = true
			base := strings.TrimPrefix(d, "*.")
			dvos = append(dvos, map[string]any{
				"domainName":          d,
				"resourceRecordName":  fmt.Sprintf("_%s.%s.", hashHex("acm-name:"+base, 32), base),
				"resourceRecordType":  "CNAME",
				"resourceRecordValue": fmt.Sprintf("_%s.%s.acm-validations.aws.", hashHex("acm-value:"+base, 32), hashHex("acm-zone:"+base, 10)),
			})
		}
		return props(map[string]any{
			"domainValidationOptions": dvos,
			"status":                  "ISSUED",
			"arn":                     fmt.Sprintf("arn:aws:acm:%s:%s:certificate/%s", mi.Region, FakeAccountID, uuidish(mi.Type+mi.Name)),
		})
	},
	"aws:acm/certificateValidation:CertificateValidation": func(mi MockInfo) resource.PropertyMap {
		// certificateArn is an input; echoed explicitly so the output exists
		// even if the program passes it through an apply.
		if v, ok := mi.Inputs["certificateArn"]; ok {
			return resource.PropertyMap{"certificateArn": v}
		}
		return nil
	},
	"aws:cloudfront/distribution:Distribution": func(mi MockInfo) resource.PropertyMap {
		return props(map[string]any{
			"domainName":   fmt.Sprintf("d%s.cloudfront.net", hashAlnum(mi.Type+mi.Name, 13)),
			"hostedZoneId": "Z2FDTNDATAQYW2",
			"status":       "Deployed",
			"arn":          fmt.Sprintf("arn:aws:cloudfront::%s:distribution/%s", FakeAccountID, mi.ID),
		})
	},
	"aws:s3/bucketV2:BucketV2": func(mi MockInfo) resource.PropertyMap {
		bucket, ok := plainString(mi.Inputs, "bucket")
		if !ok {
			if p, ok := plainString(mi.Inputs, "bucketPrefix"); ok {
				bucket = p + mi.Hash("bucket", 12)
			} else {
				bucket = mi.Name + "-" + mi.Hash("bucket", 7)
			}
		}
		return props(map[string]any{
			"bucket":                   bucket,
			"bucketDomainName":         bucket + ".s3.amazonaws.com",
			"bucketRegionalDomainName": fmt.Sprintf("%s.s3.%s.amazonaws.com", bucket, mi.Region),
			"region":                   mi.Region,
			"arn":                      "arn:aws:s3:::" + bucket,
			"id":                       bucket,
		})
	},
	"aws:secretsmanager/secret:Secret": func(mi MockInfo) resource.PropertyMap {
		arn := fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-%s", mi.Region, FakeAccountID, mi.PhysicalName(), hashAlnum(mi.Type+mi.Name, 6))
		return props(map[string]any{"arn": arn, "id": arn})
	},
	"aws:amp/workspace:Workspace": func(mi MockInfo) resource.PropertyMap {
		id := "ws-" + hashUUID(mi.Type+mi.Name)
		return props(map[string]any{
			"id":                 id,
			"arn":                fmt.Sprintf("arn:aws:aps:%s:%s:workspace/%s", mi.Region, FakeAccountID, id),
			"prometheusEndpoint": fmt.Sprintf("https://aps-workspaces.%s.amazonaws.com/workspaces/%s/", mi.Region, id),
		})
	},
	// A managed scraper's service-linked role (its path is part of the ARN).
	"aws:amp/scraper:Scraper": func(mi MockInfo) resource.PropertyMap {
		return props(map[string]any{
			"roleArn": fmt.Sprintf("arn:aws:iam::%s:role/aws-service-role/scraper.aps.amazonaws.com/AWSServiceRoleForAmazonPrometheusScraper_%s", FakeAccountID, mi.Hash("role", 15)),
		})
	},
	// A parameter's id is its name (auto-named here when the program sets
	// none).
	"aws:ssm/parameter:Parameter": func(mi MockInfo) resource.PropertyMap {
		name := mi.ID
		if s, ok := plainString(mi.Inputs, "name"); ok {
			name = s
		}
		return props(map[string]any{
			"id":  name,
			"arn": fmt.Sprintf("arn:aws:ssm:%s:%s:parameter/%s", mi.Region, FakeAccountID, strings.TrimPrefix(name, "/")),
		})
	},
	"aws:ecs/cluster:Cluster": func(mi MockInfo) resource.PropertyMap {
		return props(map[string]any{
			"name": mi.PhysicalName(),
			"arn":  fmt.Sprintf("arn:aws:ecs:%s:%s:cluster/%s", mi.Region, FakeAccountID, mi.PhysicalName()),
		})
	},
	// IAM is global: its ARNs carry no region, and a role's carries its
	// path and the role/ resource type, which trust policies match on.
	"aws:iam/role:Role": func(mi MockInfo) resource.PropertyMap {
		path := "/"
		if s, ok := plainString(mi.Inputs, "path"); ok {
			path = s
		}
		return props(map[string]any{
			"name": mi.PhysicalName(),
			"arn":  fmt.Sprintf("arn:aws:iam::%s:role%s%s", FakeAccountID, path, mi.PhysicalName()),
		})
	},
	// The ARN names the issuer without its scheme and trailing slash (the
	// AKS issuer URL ends in one).
	"aws:iam/openIdConnectProvider:OpenIdConnectProvider": func(mi MockInfo) resource.PropertyMap {
		u, _ := plainString(mi.Inputs, "url")
		u = strings.TrimSuffix(strings.TrimPrefix(u, "https://"), "/")
		return props(map[string]any{"arn": fmt.Sprintf("arn:aws:iam::%s:oidc-provider/%s", FakeAccountID, u)})
	},
	"aws:ecs/service:Service": func(mi MockInfo) resource.PropertyMap {
		return props(map[string]any{"name": mi.PhysicalName()})
	},
}

var awsInvokes = map[string]InvokeFunc{
	"aws:index/getAvailabilityZones:getAvailabilityZones": func(mi MockInfo) resource.PropertyMap {
		code := regionCode(mi.Region)
		return props(map[string]any{
			"id":         mi.Region,
			"names":      []any{mi.Region + "a", mi.Region + "b", mi.Region + "c"},
			"zoneIds":    []any{code + "-az1", code + "-az2", code + "-az3"},
			"groupNames": []any{mi.Region},
		})
	},
	"aws:index/getCallerIdentity:getCallerIdentity": func(mi MockInfo) resource.PropertyMap {
		return props(map[string]any{
			"id":        FakeAccountID,
			"accountId": FakeAccountID,
			"arn":       "arn:aws:iam::" + FakeAccountID + ":user/plan",
			"userId":    "AIDAPLANPLANPLANPLAN",
		})
	},
	"aws:index/getRegion:getRegion": func(mi MockInfo) resource.PropertyMap {
		name := mi.Region
		if s, ok := plainString(mi.Inputs, "name"); ok {
			name = s
		}
		return props(map[string]any{
			"id":          name,
			"name":        name,
			"description": name,
			"endpoint":    "ec2." + name + ".amazonaws.com",
		})
	},
	"aws:index/getPartition:getPartition": func(mi MockInfo) resource.PropertyMap {
		return props(map[string]any{"id": "aws", "partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws"})
	},
	"aws:iam/getPolicyDocument:getPolicyDocument": policyDocument,
	"aws:route53/getZone:getZone": func(mi MockInfo) resource.PropertyMap {
		name, _ := plainString(mi.Inputs, "name")
		zoneID := "Z" + strings.ToUpper(hashAlnum("zone"+name, 20))
		if s, ok := plainString(mi.Inputs, "zoneId"); ok {
			zoneID = s
		}
		return props(map[string]any{"id": zoneID, "zoneId": zoneID, "name": strings.TrimSuffix(name, "."), "nameServers": []any{"ns-1.awsdns-01.org"}})
	},
	"aws:ec2/getVpc:getVpc": func(mi MockInfo) resource.PropertyMap {
		id := "vpc-" + hashHex("vpc"+mi.Region, 17)
		return props(map[string]any{"id": id, "cidrBlock": "172.31.0.0/16", "default": true,
			"arn": fmt.Sprintf("arn:aws:ec2:%s:%s:vpc/%s", mi.Region, FakeAccountID, id)})
	},
	"aws:ec2/getSubnets:getSubnets": func(mi MockInfo) resource.PropertyMap {
		return props(map[string]any{"id": mi.Region, "ids": []any{
			"subnet-" + hashHex("subnet-a"+mi.Region, 17),
			"subnet-" + hashHex("subnet-b"+mi.Region, 17),
			"subnet-" + hashHex("subnet-c"+mi.Region, 17),
		}})
	},
}

// awsService maps "aws:s3/bucketV2:BucketV2" to "s3".
func awsService(typ string) string {
	parts := strings.Split(typ, ":")
	if len(parts) < 2 {
		return "aws"
	}
	mod := parts[1]
	if i := strings.Index(mod, "/"); i >= 0 {
		mod = mod[:i]
	}
	switch mod {
	case "lb", "alb", "elb":
		return "elasticloadbalancing"
	case "index":
		return "aws"
	}
	return mod
}

// regionCode turns "us-west-2" into "usw2" (the zone-id/endpoint short form).
func regionCode(region string) string {
	parts := strings.Split(region, "-")
	if len(parts) < 3 {
		return region
	}
	var b strings.Builder
	b.WriteString(parts[0])
	for _, p := range parts[1 : len(parts)-1] {
		switch p {
		case "southeast":
			b.WriteString("se")
		case "northeast":
			b.WriteString("ne")
		default:
			b.WriteString(p[:1])
		}
	}
	b.WriteString(parts[len(parts)-1])
	return b.String()
}

// policyDocument renders aws:iam/getPolicyDocument statements to JSON the way
// the provider does (single-element lists collapse to a string).
func policyDocument(mi MockInfo) resource.PropertyMap {
	type principal struct {
		Type        string
		Identifiers []string
	}
	doc := struct {
		Version   string
		Statement []map[string]any
	}{Version: "2012-10-17"}
	if v, ok := plainString(mi.Inputs, "version"); ok {
		doc.Version = v
	}
	one := func(xs []string) any {
		if len(xs) == 1 {
			return xs[0]
		}
		return xs
	}
	if st, ok := mi.Inputs["statements"]; ok && st.IsArray() {
		for _, sv := range st.ArrayValue() {
			if !sv.IsObject() {
				continue
			}
			s := sv.ObjectValue()
			out := map[string]any{}
			if v, ok := plainString(s, "sid"); ok {
				out["Sid"] = v
			}
			effect := "Allow"
			if v, ok := plainString(s, "effect"); ok {
				effect = v
			}
			out["Effect"] = effect
			for in, key := range map[string]string{"actions": "Action", "notActions": "NotAction", "resources": "Resource", "notResources": "NotResource"} {
				if xs := stringList(s[resource.PropertyKey(in)]); len(xs) > 0 {
					out[key] = one(xs)
				}
			}
			for in, key := range map[string]string{"principals": "Principal", "notPrincipals": "NotPrincipal"} {
				pv := s[resource.PropertyKey(in)]
				if !pv.IsArray() {
					continue
				}
				pm := map[string]any{}
				for _, p := range pv.ArrayValue() {
					if !p.IsObject() {
						continue
					}
					t, _ := plainString(p.ObjectValue(), "type")
					ids := stringList(p.ObjectValue()["identifiers"])
					if t == "*" {
						pm = nil
						out[key] = "*"
						break
					}
					pm[t] = one(ids)
				}
				if pm != nil && len(pm) > 0 {
					out[key] = pm
				}
			}
			if cv := s["conditions"]; cv.IsArray() {
				cond := map[string]map[string]any{}
				for _, c := range cv.ArrayValue() {
					if !c.IsObject() {
						continue
					}
					test, _ := plainString(c.ObjectValue(), "test")
					variable, _ := plainString(c.ObjectValue(), "variable")
					if cond[test] == nil {
						cond[test] = map[string]any{}
					}
					cond[test][variable] = one(stringList(c.ObjectValue()["values"]))
				}
				if len(cond) > 0 {
					out["Condition"] = cond
				}
			}
			doc.Statement = append(doc.Statement, out)
		}
	}
	pretty, _ := json.MarshalIndent(doc, "", "  ")
	minified, _ := json.Marshal(doc)
	return props(map[string]any{"id": hashHex(string(minified), 10), "json": string(pretty), "minifiedJson": string(minified)})
}
