package deploy

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// likelyReplace lists, for the stateful types and the networks everything
// else sits in, input properties a provider cannot change in place (the
// providers' force-new properties). `lkinfra plan --diff` works without
// providers, so it uses this table to estimate replacements; the engine
// preview (`lkinfra preview`) asks the real providers and is authoritative.
// azure-native tokens are listed without their API version module.
var likelyReplace = map[string][]string{
	"aws:elasticache/replicationGroup:ReplicationGroup": {"engine", "replicationGroupId", "port", "atRestEncryptionEnabled", "kmsKeyId", "subnetGroupName", "dataTieringEnabled"},
	"aws:s3/bucketV2:BucketV2":                          {"bucket", "bucketPrefix", "objectLockEnabled"},
	"aws:route53/record:Record":                         {"name", "type", "zoneId", "setIdentifier"},
	"aws:route53/zone:Zone":                             {"name", "delegationSetId"},
	"aws:secretsmanager/secret:Secret":                  {"name", "namePrefix"},
	"aws:ecs/cluster:Cluster":                           {"name"},
	"aws:eks/cluster:Cluster":                           {"name"},
	// A VPC's primary CIDR and a subnet's CIDR or zone are fixed at
	// creation (CreateVpc, CreateSubnet; no modify call changes them).
	"aws:ec2/vpc:Vpc":               {"cidrBlock", "instanceTenancy"},
	"aws:ec2/subnet:Subnet":         {"vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId"},
	"gcp:redis/instance:Instance":   {"name", "tier", "region", "locationId", "authorizedNetwork", "connectMode", "transitEncryptionMode", "reservedIpRange"},
	"gcp:storage/bucket:Bucket":     {"name", "location", "project"},
	"gcp:container/cluster:Cluster": {"name", "location", "network", "subnetwork", "enableAutopilot"},
	"gcp:compute/network:Network":   {"name", "project", "autoCreateSubnetworks"},
	// A subnet's primary range can be expanded in place but not shrunk or
	// moved, which the diff cannot tell apart: only the fixed identity here.
	"gcp:compute/subnetwork:Subnetwork":            {"name", "project", "network", "region"},
	"gcp:dns/managedZone:ManagedZone":              {"name", "dnsName", "visibility"},
	"gcp:dns/recordSet:RecordSet":                  {"name", "type", "managedZone"},
	"azure:redis/cache:Cache":                      {"name", "location", "resourceGroupName", "subnetId"},
	"azure-native:storage:StorageAccount":          {"accountName", "location", "resourceGroupName"},
	"azure-native:containerservice:ManagedCluster": {"resourceName", "location", "resourceGroupName", "dnsPrefix"},
	"azure-native:network:VirtualNetwork":          {"virtualNetworkName", "location", "resourceGroupName"},
	"azure-native:network:Subnet":                  {"subnetName", "virtualNetworkName", "resourceGroupName"},
	"kubernetes:core/v1:Secret":                    {"metadata", "type"},
}

// ReadPlan reads a plan JSON document as written by `lkinfra plan --json`.
func ReadPlan(data []byte) (*plan.Plan, error) {
	var p plan.Plan
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("reading plan JSON: %w", err)
	}
	if p.Stack == "" {
		return nil, fmt.Errorf("reading plan JSON: no \"stack\" field (not an `lkinfra plan --json` document?)")
	}
	return &p, nil
}

// normalizePlan round-trips a plan through its JSON form, so that an
// in-memory plan compares equal to one read back from a file (numbers,
// masked secrets).
func normalizePlan(p *plan.Plan) (*plan.Plan, error) {
	b, err := p.JSON()
	if err != nil {
		return nil, err
	}
	return ReadPlan(b)
}

// PlanDiff compares a stack's plan from the base branch with its plan from
// the head, resource by resource (URN), and reports creates, deletes and
// updates with their changed inputs; replacements are estimated for the
// stateful types. base nil means the stack is new. Secret inputs are masked
// in both plans, so a changed secret value does not show.
func PlanDiff(base, head *plan.Plan) (StackReport, error) {
	sr := StackReport{Stack: head.Stack, Summary: map[string]int{}, Changes: []Change{}}
	h, err := normalizePlan(head)
	if err != nil {
		return sr, err
	}
	baseByURN := map[string]plan.Resource{}
	if base != nil {
		for _, r := range base.Resources {
			baseByURN[r.URN] = r
		}
	}
	headURNs := map[string]bool{}
	for _, hr := range h.Resources {
		headURNs[hr.URN] = true
		br, ok := baseByURN[hr.URN]
		if !ok {
			sr.Changes = append(sr.Changes, planChange(hr, OpCreate))
			continue
		}
		props := diffValues("", br.Inputs, hr.Inputs)
		if len(props) == 0 {
			sr.Summary[OpSame]++
			continue
		}
		c := planChange(hr, OpUpdate)
		c.Protected = br.Protect
		force := map[string]bool{}
		for _, k := range likelyReplace[versionless(c.Type)] {
			force[k] = true
		}
		for i := range props {
			if force[rootOf(props[i].Path)] {
				props[i].Replace = true
				c.Op = OpReplace
				c.ReplaceReasons = appendUnique(c.ReplaceReasons, rootOf(props[i].Path))
			}
		}
		c.Properties = props
		classify(&c)
		sr.Changes = append(sr.Changes, c)
	}
	if base != nil {
		for _, br := range base.Resources {
			if !headURNs[br.URN] {
				c := planChange(br, OpDelete)
				c.Protected = br.Protect
				classify(&c)
				sr.Changes = append(sr.Changes, c)
			}
		}
	}
	for _, c := range sr.Changes {
		sr.Summary[c.Op]++
	}
	sortChanges(sr.Changes)
	return sr, nil
}

func planChange(r plan.Resource, op string) Change {
	c := Change{URN: r.URN, Type: r.Type, Name: r.Name, Op: op}
	classify(&c)
	return c
}

func appendUnique(s []string, v string) []string {
	for _, e := range s {
		if e == v {
			return s
		}
	}
	return append(s, v)
}

var simpleKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]*$`)

func joinPath(prefix, key string) string {
	if !simpleKey.MatchString(key) {
		b, _ := json.Marshal(key)
		return prefix + "[" + string(b) + "]"
	}
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// rootOf returns a property path's first key.
func rootOf(path string) string {
	if pp, err := resource.ParsePropertyPath(path); err == nil && len(pp) > 0 {
		if k, ok := pp[0].(string); ok {
			return k
		}
	}
	return path
}

// diffValues lists the leaf differences between two plain values, as
// property paths. Arrays of different lengths differ as a whole.
func diffValues(prefix string, a, b any) []PropertyChange {
	am, aIsMap := a.(map[string]any)
	bm, bIsMap := b.(map[string]any)
	if aIsMap && bIsMap {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		var out []PropertyChange
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			av, aok := am[k]
			bv, bok := bm[k]
			p := joinPath(prefix, k)
			switch {
			case aok && !bok:
				out = append(out, PropertyChange{Path: p, Kind: "delete", Old: Mask(av)})
			case !aok && bok:
				out = append(out, PropertyChange{Path: p, Kind: "add", New: Mask(bv)})
			default:
				out = append(out, diffValues(p, av, bv)...)
			}
		}
		return out
	}
	aa, aIsArr := a.([]any)
	ba, bIsArr := b.([]any)
	if aIsArr && bIsArr && len(aa) == len(ba) {
		var out []PropertyChange
		for i := range aa {
			out = append(out, diffValues(fmt.Sprintf("%s[%d]", prefix, i), aa[i], ba[i])...)
		}
		return out
	}
	if reflect.DeepEqual(a, b) {
		return nil
	}
	return []PropertyChange{{Path: prefix, Kind: "update", Old: Mask(a), New: Mask(b)}}
}
