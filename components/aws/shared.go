package aws

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// SignalingLB is the region's signaling front door (Signaling).
type SignalingLB struct {
	ALB            *lb.LoadBalancer
	TargetGroup    *lb.TargetGroup
	CertificateArn pulumi.StringOutput
}

// Signaling declares the ECS region's signaling front door for another
// platform (EKS, package ekscluster): the HTTPS ALB, its certificate,
// listeners, target group (GET /, DeregistrationDelay) and DNS name, from
// the fields of args that signaling reads.
func Signaling(ctx *pulumi.Context, name string, args *MediaClusterArgs, parent pulumi.ResourceOption) (*SignalingLB, error) {
	s, err := signaling(ctx, name, args, parent)
	if err != nil {
		return nil, err
	}
	return &SignalingLB{ALB: s.alb, TargetGroup: s.targetGroup, CertificateArn: s.certificateArn}, nil
}

// TURNLB is the region's TURN/TLS front door (TURNTLS).
type TURNLB struct {
	NLB         *lb.LoadBalancer
	TargetGroup *lb.TargetGroup
	Listener    *lb.Listener
}

// TURNTLS declares the ECS region's TURN/TLS NLB for another platform (EKS):
// the TLS listener on 443 with its ACM certificate, the TCP target group
// on TURNTLSPort and the Route 53 alias, from the fields of args that
// turnTLS reads (TURNLoadBalancerSecurityGroupID among them).
func TURNTLS(ctx *pulumi.Context, name string, args *MediaClusterArgs, parent pulumi.ResourceOption) (*TURNLB, error) {
	t, err := turnTLS(ctx, name, args, parent)
	if err != nil {
		return nil, err
	}
	return &TURNLB{NLB: t.nlb, TargetGroup: t.targetGroup, Listener: t.listener}, nil
}

// Statement is one Allow statement of an IAM policy (PolicyJSON).
type Statement = statement

// PolicyJSON renders Allow statements as an IAM policy document.
func PolicyJSON(stmts ...Statement) (string, error) { return policyJSON(stmts...) }
