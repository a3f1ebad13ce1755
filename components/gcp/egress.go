package gcp

import (
	"fmt"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/container"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/storage"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	lkk8s "github.com/livekit-infra/livekit-infra/components/kubernetes"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/components/observability"
)

// EgressRole is the only grant of the Egress workers' identity, on the
// recordings bucket only: livekit/storage's GCS uploader creates objects
// with a resumable writer and reads nothing (gcp.go, upload).
const EgressRole = "roles/storage.objectCreator"

// EgressArgs adds the GKE specifics to the contract.
type EgressArgs struct {
	components.EgressArgs

	Project, Region string
	// ClusterID is the GKE cluster the Egress node pool joins; Provider its
	// Kubernetes provider.
	ClusterID pulumi.StringInput
	Provider  pulumi.ProviderResource
	// NodeServiceAccount is the nodes' least-privilege identity (it pulls
	// from the registry mirror).
	NodeServiceAccount pulumi.StringInput
	// EgressTag is the network tag the Redis firewall admits.
	EgressTag string
	// MachineType and DiskSizeGB size the Egress pool: one Egress pod per
	// node.
	MachineType string
	DiskSizeGB  int
	// PodCPU and PodMemory are the Egress pod's requests (quantities).
	PodCPU, PodMemory string
	ChartVersion      string
	// Bucket is the recordings bucket, the only one Egress may write.
	Bucket pulumi.StringInput
	// RedisCACert is Memorystore's CA, mounted at
	// kubernetes.EgressFilePath(RedisCAFile); Config must point there.
	RedisCACert pulumi.StringInput
	// AlertRules is the region's Egress rule group
	// (observability.EgressGroup), deployed as a GMP Rules object in the
	// Egress namespace, whose series it reads; empty, none.
	AlertRules observability.RuleFile
}

// Egress is the GKE Egress: its node pool, its Google identity and the
// egress chart.
type Egress struct {
	pulumi.ResourceState
	components.EgressOutputs

	ServiceAccount pulumi.StringOutput
	NodePool       pulumi.StringOutput
}

// EgressPodMonitoringName is the GMP PodMonitoring of the Egress pods, also
// the job label of their series, which the Egress rules select on.
const EgressPodMonitoringName = observability.JobEgress

// EgressRulesName names the GMP Rules object of the Egress namespace.
const EgressRulesName = "egress-alerts"

// EgressPoolRole is the node label value of the Egress pool
// (NodeRoleLabel).
const EgressPoolRole = "egress"

// check runs the contract's checks, then the cloud's, reporting every problem at once.
func (a *EgressArgs) check(e *components.ArgErrors) {
	a.EgressArgs.Check(e)
	e.Require(components.Field{Name: "Project", Missing: a.Project == ""}, components.Field{Name: "Region", Missing: a.Region == ""},
		components.Field{Name: "ClusterID", Missing: a.ClusterID == nil}, components.Field{Name: "Provider", Missing: a.Provider == nil},
		components.Field{Name: "NodeServiceAccount", Missing: a.NodeServiceAccount == nil},
		components.Field{Name: "EgressTag", Missing: a.EgressTag == ""}, components.Field{Name: "MachineType", Missing: a.MachineType == ""},
		components.Field{Name: "Bucket", Missing: a.Bucket == nil}, components.Field{Name: "RedisCACert", Missing: a.RedisCACert == nil})
}

// NewEgress declares the Egress node pool (private nodes, tainted for
// Egress), a Google service account bound to the pods' Kubernetes service
// account by Workload Identity with object creation on the recordings
// bucket only, and the egress chart reading its config from a Secret.
func NewEgress(ctx *pulumi.Context, name string, args *EgressArgs, opts ...pulumi.ResourceOption) (*Egress, error) {

	e := &Egress{}
	parent, err := components.Register(ctx, components.EgressType, name, e, args, (*EgressArgs).check, opts...)
	if err != nil {
		return nil, err
	}

	// Workload Identity: the chart's Kubernetes service account acts as
	// this Google account; no key exists anywhere. Egress's GCS client
	// uses application default credentials when its config has no
	// credentials_json (livekit/storage gcp.go: storage.NewClient without
	// options).
	accountID := name
	gsa, err := serviceaccount.NewAccount(ctx, name, &serviceaccount.AccountArgs{
		Project:     pulumi.String(args.Project),
		AccountId:   pulumi.String(accountID),
		DisplayName: pulumi.String("LiveKit Egress"),
		Description: pulumi.String("LiveKit Egress workers: create objects in the recordings bucket, nothing else"),
	}, parent)
	if err != nil {
		return nil, err
	}
	ksa := fmt.Sprintf("serviceAccount:%s.svc.id.goog[%s/%s]", args.Project, lkk8s.EgressNamespace, lkk8s.EgressFullName)
	if _, err := serviceaccount.NewIAMMember(ctx, name+"-workload-identity", &serviceaccount.IAMMemberArgs{
		ServiceAccountId: gsa.Name,
		Role:             pulumi.String("roles/iam.workloadIdentityUser"),
		Member:           pulumi.String(ksa),
	}, parent); err != nil {
		return nil, err
	}
	if _, err := storage.NewBucketIAMMember(ctx, name+"-recordings", &storage.BucketIAMMemberArgs{
		Bucket: args.Bucket,
		Role:   pulumi.String(EgressRole),
		Member: pulumi.Sprintf("serviceAccount:%s", gsa.Email),
	}, parent); err != nil {
		return nil, err
	}

	// Its own pool: Chrome and the encoder take whole cores in bursts,
	// which on the LiveKit nodes would show up as media packet loss; and
	// Egress needs no public address (private nodes, out through Cloud
	// NAT), while LiveKit nodes must have one.
	poolArgs, node := nodePool{
		Cluster: args.ClusterID, Region: args.Region, Scaling: args.Scaling, MachineType: args.MachineType, DiskSizeGB: args.DiskSizeGB,
		ServiceAccount: args.NodeServiceAccount, Tag: args.EgressTag, Role: EgressPoolRole, Private: true,
	}.args()
	node.Taints = container.NodePoolNodeConfigTaintArray{&container.NodePoolNodeConfigTaintArgs{
		Key: pulumi.String(lkk8s.EgressTaintKey), Value: pulumi.String("true"), Effect: pulumi.String("NO_SCHEDULE"),
	}}
	pool, err := container.NewNodePool(ctx, name, poolArgs, parent, pulumi.IgnoreChanges([]string{"initialNodeCount"}))
	if err != nil {
		return nil, err
	}

	wargs := lkk8s.EgressWorkloadOf(args.Provider, args.ChartVersion, args.EgressArgs,
		lkk8s.Resources{CPU: args.PodCPU, Memory: args.PodMemory}, map[string]string{NodeRoleLabel: EgressPoolRole})
	wargs.Files = map[string]pulumi.StringInput{RedisCAFile: args.RedisCACert}
	wargs.ServiceAccountAnnotations = map[string]string{
		"iam.gke.io/gcp-service-account": fmt.Sprintf("%s@%s.iam.gserviceaccount.com", accountID, args.Project),
	}
	workload, err := lkk8s.NewEgressWorkload(ctx, name, wargs, parent, pulumi.DependsOn([]pulumi.Resource{pool}))
	if err != nil {
		return nil, err
	}

	// GMP's collector on each node scrapes Egress's metrics port inside
	// the cluster (the per-region scrape, job livekit-egress); nothing
	// outside the VPC reaches the private nodes.
	var rules *observability.RuleFile
	if len(args.AlertRules.Groups) > 0 {
		rules = &args.AlertRules
	}
	if err := managedPrometheus(ctx, name, gmpTarget{
		Namespace: workload.Namespace, Selector: lkk8s.EgressSelectorLabels(), Port: livekit.EgressPrometheusPort,
		PodMonitoring: EgressPodMonitoringName, Rules: EgressRulesName,
	}, rules, parent, pulumi.Provider(args.Provider), pulumi.DependsOn([]pulumi.Resource{workload})); err != nil {
		return nil, err
	}

	e.ConfigSecret = workload.ConfigSecret()
	e.ServiceAccount = gsa.Email
	e.NodePool = pool.Name
	if err := ctx.RegisterResourceOutputs(e, e.EgressOutputs.Map(pulumi.Map{"serviceAccount": e.ServiceAccount, "nodePool": e.NodePool})); err != nil {
		return nil, err
	}
	return e, nil
}
