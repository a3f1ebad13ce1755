package aws

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TURNTLSListenerPort is the port clients reach TURN/TLS on: LiveKit
// advertises turns:<domain>:443 whatever its own tls_port is, and 443 is the
// port strict firewalls let out.
const TURNTLSListenerPort = 443

// turnSecurityGroup is the TURN/TLS NLB's group: 443 from the internet in,
// the tasks' TURN/TLS port out, and that port opened on the tasks to this
// group only (a TLS listener does not preserve client addresses, so the
// tasks only ever see the NLB).
func turnSecurityGroup(ctx *pulumi.Context, name string, vpc *ec2.Vpc, media *ec2.SecurityGroup, port int, parent pulumi.ResourceOption) (*ec2.SecurityGroup, error) {
	sg, err := securityGroup(ctx, name+"-turn-lb", vpc, "LiveKit TURN/TLS NLB: 443 from the internet, the tasks' TURN port only", parent)
	if err != nil {
		return nil, err
	}
	sgID, mediaID := sg.ID(), media.ID()
	if err := securityGroupRules(ctx, name, []sgRule{
		{id: "turn-lb-tls", kind: "ingress", proto: "tcp", from: TURNTLSListenerPort, to: TURNTLSListenerPort, sg: sgID, cidrs: anywhere,
			desc: "TURN over TLS from the internet"},
		{id: "turn-lb-egress", kind: "egress", proto: "tcp", from: port, to: port, sg: sgID, peer: mediaID,
			desc: "To LiveKit's TURN/TLS port only (traffic and health checks)"},
		{id: "media-turn-tls", kind: "ingress", proto: "tcp", from: port, to: port, sg: mediaID, peer: sgID,
			desc: "TURN stream (TLS ended at the NLB) from the TURN NLB only"},
	}, parent); err != nil {
		return nil, err
	}
	return sg, nil
}

type turnLB struct {
	nlb         *lb.LoadBalancer
	targetGroup *lb.TargetGroup
	listener    *lb.Listener
}

// turnTLS declares TURN over TLS for the region: an NLB with a TLS listener
// on 443 holding an ACM certificate for the TURN name, forwarding the
// decrypted stream to the tasks' TURN port (LiveKit's external_tls), and the
// TURN name in Route 53. Any task can relay for any room: the relay sends
// to the SFU's public address, so plain round robin is right.
func turnTLS(ctx *pulumi.Context, name string, args *MediaClusterArgs, parent pulumi.ResourceOption) (*turnLB, error) {
	if args.TURNLoadBalancerSecurityGroupID == nil {
		return nil, fmt.Errorf("MediaCluster %q: TURNLoadBalancerSecurityGroupID is required with TURNTLSPort %d (the Network's TURN NLB group)", name, args.TURNTLSPort)
	}
	cert, err := acm.NewCertificate(ctx, name+"-turn-cert", &acm.CertificateArgs{
		DomainName:       pulumi.String(args.TURNHostname),
		ValidationMethod: pulumi.String("DNS"),
		KeyAlgorithm:     pulumi.String("RSA_2048"),
	}, parent)
	if err != nil {
		return nil, err
	}
	certArn, err := validateCertificate(ctx, name+"-turn-cert", cert, args.ZoneID, 1, parent)
	if err != nil {
		return nil, err
	}
	nlb, err := lb.NewLoadBalancer(ctx, name+"-turn", &lb.LoadBalancerArgs{
		LoadBalancerType: pulumi.String("network"),
		Internal:         pulumi.Bool(false),
		// A security group can only be given to an NLB at creation.
		SecurityGroups:               pulumi.StringArray{args.TURNLoadBalancerSecurityGroupID},
		Subnets:                      args.PublicSubnetIDs,
		EnableCrossZoneLoadBalancing: pulumi.Bool(true),
		EnableDeletionProtection:     pulumi.Bool(args.Protect),
	}, parent)
	if err != nil {
		return nil, err
	}
	tg, err := lb.NewTargetGroup(ctx, name+"-turn", &lb.TargetGroupArgs{
		Port:       pulumi.Int(args.TURNTLSPort),
		Protocol:   pulumi.String("TCP"),
		TargetType: pulumi.String("ip"),
		VpcId:      args.VpcID,
		// ECS waits for the longest deregistration delay of the task's
		// target groups before SIGTERM, and LiveKit takes new rooms until
		// SIGTERM: the TURN group must not wait longer than signaling's.
		// Open TURN connections keep flowing after it (connection
		// termination stays off), until the task stops.
		DeregistrationDelay: pulumi.Int(DeregistrationDelay),
		// TURN needs no Redis (credentials are checked against the node's
		// own key set), so the check is the TURN port itself, not GET /.
		HealthCheck: &lb.TargetGroupHealthCheckArgs{
			Enabled:            pulumi.Bool(true),
			Protocol:           pulumi.String("TCP"),
			Port:               pulumi.String("traffic-port"),
			Interval:           pulumi.Int(10),
			HealthyThreshold:   pulumi.Int(2),
			UnhealthyThreshold: pulumi.Int(2),
		},
	}, parent)
	if err != nil {
		return nil, err
	}
	listener, err := lb.NewListener(ctx, name+"-turn-tls", &lb.ListenerArgs{
		LoadBalancerArn: nlb.Arn,
		Port:            pulumi.Int(TURNTLSListenerPort),
		Protocol:        pulumi.String("TLS"),
		SslPolicy:       pulumi.String(args.ALBSSLPolicy),
		CertificateArn:  certArn,
		DefaultActions: lb.ListenerDefaultActionArray{&lb.ListenerDefaultActionArgs{
			Type: pulumi.String("forward"), TargetGroupArn: tg.Arn,
		}},
	}, parent)
	if err != nil {
		return nil, err
	}
	if err := aliasRecord(ctx, name+"-turn-dns", args.ZoneID, args.TURNHostname, nlb.DnsName, nlb.ZoneId, true, parent); err != nil {
		return nil, err
	}
	return &turnLB{nlb: nlb, targetGroup: tg, listener: listener}, nil
}
