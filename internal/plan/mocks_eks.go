package plan

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// EKS's computed outputs: the API endpoint and CA the kubeconfig needs, and
// the cluster security group EKS creates (the LiveKit nodes join it).
func init() {
	computedOutputs["aws:eks/cluster:Cluster"] = func(mi MockInfo) resource.PropertyMap {
		name := mi.PhysicalName()
		return props(map[string]any{
			"endpoint":             fmt.Sprintf("https://%s.gr7.%s.eks.amazonaws.com", strings.ToUpper(mi.Hash("eks", 32)), mi.Region),
			"certificateAuthority": map[string]any{"data": "cGxhbi1la3MtY2E="},
			"vpcConfig":            map[string]any{"clusterSecurityGroupId": "sg-" + mi.Hash("eks-cluster-sg", 17), "vpcId": "vpc-" + mi.Hash("eks-vpc", 17)},
			"identities": []any{map[string]any{"oidcs": []any{map[string]any{
				"issuer": fmt.Sprintf("https://oidc.eks.%s.amazonaws.com/id/%s", mi.Region, strings.ToUpper(mi.Hash("oidc", 32))),
			}}}},
			"arn":             fmt.Sprintf("arn:aws:eks:%s:%s:cluster/%s", mi.Region, FakeAccountID, name),
			"platformVersion": "eks.1",
			"status":          "ACTIVE",
		})
	}
	// A managed node group's Auto Scaling group (eks-<group>-<uuid>).
	computedOutputs["aws:eks/nodeGroup:NodeGroup"] = func(mi MockInfo) resource.PropertyMap {
		return props(map[string]any{"resources": []any{map[string]any{
			"autoscalingGroups": []any{map[string]any{"name": "eks-" + mi.PhysicalName() + "-" + mi.Hash("asg", 8)}},
		}}})
	}
	computedOutputs["aws:ec2/launchTemplate:LaunchTemplate"] = func(mi MockInfo) resource.PropertyMap {
		return props(map[string]any{"id": "lt-" + mi.Hash("lt", 17), "latestVersion": 1})
	}
}
