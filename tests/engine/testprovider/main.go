// Command testprovider is a TEST DOUBLE of a Pulumi resource provider plugin.
// It never talks to a cloud. The engine tests (tests/engine) build it once and
// install it under each real provider's name and version
// (`pulumi plugin install resource aws 6.83.4 --file <bin>`, random, ...)
// into a test-local PULUMI_HOME, so that the real Pulumi engine can preview,
// update and refresh this repo's stacks offline.
//
// Behaviour:
//   - Check passes inputs through; Create/Update echo the inputs as outputs
//     plus the same computed outputs the offline plan mocks synthesize
//     (plan.SimulateCreate: endpoints, ARNs, random results, ...). Secrets stay
//     secret (the plugin accepts secrets and returns them marked).
//   - Ids derive from a hash of the inputs, so a replacement gets a new id.
//   - Diff compares old and new inputs (resource.PropertyMap.Diff) and marks
//     the properties in replaceRules as replacing, like a provider's ForceNew.
//   - Read (refresh, drift detection) returns the recorded state, overridden
//     by the JSON file named by $LKINFRA_TESTPROVIDER_DRIFT:
//     {"<urn>": {"<property>": <value>, ...}} changes properties behind the
//     program's back; {"<urn>": null} makes the resource gone.
//   - Invoke answers data sources as the plan mocks do.
//   - Construct (remote components such as kubernetes helm/v4 Chart)
//     registers the component with its inputs as outputs and no children.
//   - $LKINFRA_TESTPROVIDER_LOG, if set, gets one JSON line per call
//     ({"plugin","method","urn"}); values are never logged.
//
// The plugin's name and version come from how the engine launches it: the
// executable is pulumi-resource-<name> in a directory resource-<name>-v<version>.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// Environment variables read by the plugin.
const (
	DriftEnv = "LKINFRA_TESTPROVIDER_DRIFT"
	LogEnv   = "LKINFRA_TESTPROVIDER_LOG"
)

func main() {
	name, version := identity(os.Args[0])
	err := provider.Main(name, func(host *provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return &testProvider{host: host, name: name, version: version}, nil
	})
	if err != nil {
		cmdutil.ExitError(err.Error())
	}
}

// identity derives the plugin name and version from its install path,
// e.g. .../plugins/resource-aws-v6.83.4/pulumi-resource-aws.
func identity(argv0 string) (name, version string) {
	name = strings.TrimPrefix(filepath.Base(argv0), "pulumi-resource-")
	dir := filepath.Base(filepath.Dir(argv0))
	if v, ok := strings.CutPrefix(dir, "resource-"+name+"-v"); ok {
		version = v
	}
	if version == "" {
		version = "0.0.1"
	}
	return name, version
}

// replaceRules lists, per resource type, the input properties whose change
// forces replacement in this test double. They follow the real providers'
// force-new properties for the stateful types the preview flags as blocking.
var replaceRules = map[string][]string{
	"aws:elasticache/replicationGroup:ReplicationGroup": {"engine", "replicationGroupId", "port",
		"atRestEncryptionEnabled", "kmsKeyId", "subnetGroupName", "snapshotName", "dataTieringEnabled"},
	"aws:s3/bucketV2:BucketV2":                     {"bucket", "bucketPrefix", "objectLockEnabled"},
	"aws:route53/record:Record":                    {"name", "type", "zoneId", "setIdentifier"},
	"aws:route53/zone:Zone":                        {"name", "delegationSetId"},
	"aws:secretsmanager/secret:Secret":             {"name", "namePrefix"},
	"aws:ecs/cluster:Cluster":                      {"name"},
	"aws:ec2/vpc:Vpc":                              {"cidrBlock"},
	"aws:ec2/subnet:Subnet":                        {"vpcId", "cidrBlock", "availabilityZone"},
	"aws:ec2/securityGroup:SecurityGroup":          {"vpcId", "name", "namePrefix", "description"},
	"aws:acm/certificate:Certificate":              {"domainName", "subjectAlternativeNames"},
	"aws:lb/loadBalancer:LoadBalancer":             {"name", "namePrefix", "internal", "loadBalancerType"},
	"aws:lb/targetGroup:TargetGroup":               {"name", "namePrefix", "port", "protocol", "vpcId", "targetType"},
	"aws:ecs/taskDefinition:TaskDefinition":        {"family", "containerDefinitions", "cpu", "memory", "networkMode", "requiresCompatibilities", "executionRoleArn", "taskRoleArn"},
	"random:index/randomPassword:RandomPassword":   {"length", "special", "overrideSpecial", "keepers"},
	"random:index/randomString:RandomString":       {"length", "special", "overrideSpecial", "keepers"},
	"gcp:redis/instance:Instance":                  {"name", "tier", "region", "authorizedNetwork", "connectMode", "transitEncryptionMode", "redisVersion"},
	"gcp:storage/bucket:Bucket":                    {"name", "location", "project"},
	"gcp:container/cluster:Cluster":                {"name", "location", "network", "subnetwork", "enableAutopilot"},
	"gcp:dns/managedZone:ManagedZone":              {"name", "dnsName"},
	"gcp:dns/recordSet:RecordSet":                  {"name", "type", "managedZone"},
	"azure:redis/cache:Cache":                      {"name", "location", "resourceGroupName", "skuName", "subnetId"},
	"azure-native:storage:StorageAccount":          {"accountName", "location", "resourceGroupName"},
	"azure-native:containerservice:ManagedCluster": {"resourceName", "location", "resourceGroupName", "dnsPrefix"},
	"kubernetes:core/v1:Secret":                    {"metadata.name", "metadata.namespace", "type"},
}

// replacesOnDowngrade lists properties that update in place when raised but
// force replacement when lowered: ElastiCache cannot downgrade an engine
// version ("you must delete the existing cluster ... and create it anew",
// ElastiCache user guide, Upgrading engine versions).
var replacesOnDowngrade = map[string][]string{
	"aws:elasticache/replicationGroup:ReplicationGroup": {"engineVersion"},
}

var marshalOpts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, KeepResources: true, SkipNulls: true}

type testProvider struct {
	pulumirpc.UnimplementedResourceProviderServer
	host          *provider.HostClient
	name, version string

	mu     sync.Mutex
	region string
}

func (p *testProvider) log(method, urn string) {
	path := os.Getenv(LogEnv)
	if path == "" {
		return
	}
	line, _ := json.Marshal(map[string]string{"plugin": p.name, "method": method, "urn": urn})
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = f.Write(append(line, '\n'))
}

func (p *testProvider) Handshake(ctx context.Context, req *pulumirpc.ProviderHandshakeRequest) (*pulumirpc.ProviderHandshakeResponse, error) {
	return &pulumirpc.ProviderHandshakeResponse{AcceptSecrets: true, AcceptResources: true}, nil
}

func (p *testProvider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: p.version}, nil
}

func (p *testProvider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	schema, _ := json.Marshal(map[string]any{"name": p.name, "version": p.version})
	return &pulumirpc.GetSchemaResponse{Schema: string(schema)}, nil
}

func (p *testProvider) CheckConfig(ctx context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *testProvider) DiffConfig(ctx context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return p.diff(req, nil)
}

func (p *testProvider) Configure(ctx context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	region := req.GetVariables()[p.name+":config:region"]
	if args, err := unmarshal(req.GetArgs()); err == nil {
		if v, ok := args["region"]; ok && v.IsString() {
			region = v.StringValue()
		}
	}
	p.mu.Lock()
	p.region = region
	p.mu.Unlock()
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true, AcceptResources: true}, nil
}

func (p *testProvider) currentRegion() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.region
}

func (p *testProvider) Invoke(ctx context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	p.log("Invoke", req.GetTok())
	args, err := unmarshal(req.GetArgs())
	if err != nil {
		return nil, err
	}
	out := plan.SimulateInvoke(req.GetTok(), p.currentRegion(), args)
	ret, err := plugin.MarshalProperties(out, marshalOpts)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.InvokeResponse{Return: ret}, nil
}

func (p *testProvider) Check(ctx context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *testProvider) Diff(ctx context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	p.log("Diff", req.GetUrn())
	return p.diff(req, replaceRules[req.GetType()])
}

// diff compares old inputs with new inputs. replace lists the top-level
// properties whose change forces replacement.
func (p *testProvider) diff(req *pulumirpc.DiffRequest, replace []string) (*pulumirpc.DiffResponse, error) {
	oldStruct := req.GetOldInputs()
	if oldStruct == nil {
		oldStruct = req.GetOlds()
	}
	olds, err := unmarshal(oldStruct)
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	ignore := map[string]bool{}
	for _, k := range req.GetIgnoreChanges() {
		ignore[k] = true
	}
	od := olds.Diff(news, func(k resource.PropertyKey) bool { return ignore[string(k)] })
	if od == nil {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE, HasDetailedDiff: true}, nil
	}
	forces := map[string]bool{}
	for _, k := range replace {
		forces[k] = true
	}
	for _, k := range replacesOnDowngrade[req.GetType()] {
		pk := resource.PropertyKey(k)
		if u, ok := od.Updates[pk]; ok && u.Old.IsString() && u.New.IsString() && versionLess(u.New.StringValue(), u.Old.StringValue()) {
			forces[k] = true
		}
	}
	resp := &pulumirpc.DiffResponse{
		Changes:         pulumirpc.DiffResponse_DIFF_SOME,
		HasDetailedDiff: true,
		DetailedDiff:    map[string]*pulumirpc.PropertyDiff{},
	}
	diffs := map[string]bool{}
	replaces := map[string]bool{}
	for path, pd := range plugin.NewDetailedDiffFromObjectDiff(od, true) {
		root := rootKey(path)
		kind := pd.Kind
		if forces[root] || forces[path] {
			kind = kind.AsReplace()
			replaces[root] = true
		}
		diffs[root] = true
		resp.DetailedDiff[path] = &pulumirpc.PropertyDiff{Kind: rpcKind(kind), InputDiff: true}
	}
	resp.Diffs = slices.Sorted(maps.Keys(diffs))
	resp.Replaces = slices.Sorted(maps.Keys(replaces))
	return resp, nil
}

func (p *testProvider) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	p.log("Create", req.GetUrn())
	inputs, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	typ, name := urnTypeName(req.GetUrn(), req.GetType(), req.GetName())
	id, outs := plan.SimulateCreate(typ, name, p.currentRegion(), inputsID(name, typ, inputs), inputs)
	props, err := plugin.MarshalProperties(outs, marshalOpts)
	if err != nil {
		return nil, err
	}
	if req.GetPreview() {
		id = ""
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

func (p *testProvider) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	p.log("Update", req.GetUrn())
	inputs, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	typ, name := urnTypeName(req.GetUrn(), req.GetType(), req.GetName())
	_, outs := plan.SimulateCreate(typ, name, p.currentRegion(), req.GetId(), inputs)
	props, err := plugin.MarshalProperties(outs, marshalOpts)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

func (p *testProvider) Read(ctx context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	p.log("Read", req.GetUrn())
	props, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	inputs, err := unmarshal(req.GetInputs())
	if err != nil {
		return nil, err
	}
	drift, gone, err := driftFor(req.GetUrn())
	if err != nil {
		return nil, err
	}
	if gone {
		return &pulumirpc.ReadResponse{}, nil
	}
	for k, v := range drift {
		props[k] = v
		if _, ok := inputs[k]; ok {
			inputs[k] = v
		}
	}
	ps, err := plugin.MarshalProperties(props, marshalOpts)
	if err != nil {
		return nil, err
	}
	is, err := plugin.MarshalProperties(inputs, marshalOpts)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: ps, Inputs: is}, nil
}

func (p *testProvider) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	p.log("Delete", req.GetUrn())
	return &emptypb.Empty{}, nil
}

func (p *testProvider) Construct(ctx context.Context, req *pulumirpc.ConstructRequest) (*pulumirpc.ConstructResponse, error) {
	p.log("Construct", req.GetType()+"::"+req.GetName())
	return provider.Construct(ctx, req, p.host.EngineConn(), func(pctx *pulumi.Context, typ, name string,
		inputs provider.ConstructInputs, opts pulumi.ResourceOption,
	) (*provider.ConstructResult, error) {
		comp := &component{}
		if err := pctx.RegisterComponentResource(typ, name, comp, opts); err != nil {
			return nil, err
		}
		m, err := inputs.Map()
		if err != nil {
			return nil, err
		}
		if err := pctx.RegisterResourceOutputs(comp, m); err != nil {
			return nil, err
		}
		return &provider.ConstructResult{URN: comp.URN(), State: m}, nil
	})
}

func (p *testProvider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

type component struct {
	pulumi.ResourceState
}

// driftFor reads the drift file: the overrides for urn, or gone=true when the
// file maps urn to null.
func driftFor(urn string) (resource.PropertyMap, bool, error) {
	path := os.Getenv(DriftEnv)
	if path == "" {
		return nil, false, nil
	}
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	var all map[string]map[string]any
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, false, fmt.Errorf("%s: %w", path, err)
	}
	over, ok := all[urn]
	if !ok {
		return nil, false, nil
	}
	if over == nil {
		return nil, true, nil
	}
	return resource.NewPropertyMapFromMap(over), false, nil
}

func unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	return plugin.UnmarshalProperties(s, marshalOpts)
}

// inputsID is a resource id derived from its inputs: a replacement (new
// inputs) gets a new id, an update keeps the old one (Update is given it).
func inputsID(name, typ string, inputs resource.PropertyMap) string {
	b, _ := json.Marshal(inputs.Mappable())
	sum := sha256.Sum256(append([]byte(typ+"::"+name+"::"), b...))
	return name + "-" + hex.EncodeToString(sum[:])[:8]
}

func urnTypeName(urn, typ, name string) (string, string) {
	u := resource.URN(urn)
	if typ == "" && u.IsValid() {
		typ = string(u.Type())
	}
	if name == "" && u.IsValid() {
		name = u.Name()
	}
	return typ, name
}

// rootKey is the top-level property of a property path: "tags.Name" -> "tags",
// "ingress[0].fromPort" -> "ingress".
func rootKey(path string) string {
	if pp, err := resource.ParsePropertyPath(path); err == nil && len(pp) > 0 {
		if s, ok := pp[0].(string); ok {
			return s
		}
	}
	return path
}

func rpcKind(k plugin.DiffKind) pulumirpc.PropertyDiff_Kind {
	switch k {
	case plugin.DiffAdd:
		return pulumirpc.PropertyDiff_ADD
	case plugin.DiffAddReplace:
		return pulumirpc.PropertyDiff_ADD_REPLACE
	case plugin.DiffDelete:
		return pulumirpc.PropertyDiff_DELETE
	case plugin.DiffDeleteReplace:
		return pulumirpc.PropertyDiff_DELETE_REPLACE
	case plugin.DiffUpdateReplace:
		return pulumirpc.PropertyDiff_UPDATE_REPLACE
	default:
		return pulumirpc.PropertyDiff_UPDATE
	}
}

// versionLess compares dotted numeric versions ("6.2" < "7.1").
func versionLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y int
		if i < len(as) {
			fmt.Sscanf(as[i], "%d", &x)
		}
		if i < len(bs) {
			fmt.Sscanf(bs[i], "%d", &y)
		}
		if x != y {
			return x < y
		}
	}
	return false
}
