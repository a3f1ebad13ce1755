package deploy

import (
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/cost"
	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// A stack in a region with no price file is priced as far as the global
// files go; the pull-request comment says the figure is incomplete and
// which file is missing, beside the unpriced count.
func TestCostSectionNamesMissingPriceFile(t *testing.T) {
	head := &plan.Plan{Stack: "t1", Resources: []plan.Resource{
		{URN: "urn:pulumi:t1::livekit-infra::aws:ec2/natGateway:NatGateway::nat", Type: "aws:ec2/natGateway:NatGateway", Name: "nat", Custom: true},
	}}
	cd, err := EstimateCost(nil, head, map[string]string{"livekit-infra:kind": "aws", "aws:region": "sa-east-1"}, cost.DefaultAssumptions())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(cd.MissingPriceFiles, ",") != "aws-sa-east-1.yaml" || cd.Unpriced != 1 {
		t.Fatalf("missing %v, unpriced %d; want aws-sa-east-1.yaml and the NAT gateway", cd.MissingPriceFiles, cd.Unpriced)
	}
	r := &Report{Stacks: []StackReport{{Stack: "t1", Cost: cd}}}
	if md := r.costSection(); !strings.Contains(md, "(incomplete: no price file aws-sa-east-1.yaml; 1 unpriced)") {
		t.Errorf("cost section does not name the missing price file:\n%s", md)
	}
}
