package aws

// The signaling front door of the AWS region: an HTTPS ALB in front of
// LiveKit's 7880 with the regional and global names on its certificate.
// Media does not pass through it (WebRTC reaches each task's public IP).

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// albAccessLogs sends the ALB's access logs (one file per node every 5
// minutes) to the region's log bucket. Docs:
// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html
func albAccessLogs(bucket pulumi.StringInput) lb.LoadBalancerAccessLogsPtrInput {
	if bucket == nil {
		return nil
	}
	return &lb.LoadBalancerAccessLogsArgs{Bucket: bucket, Prefix: pulumi.String(ALBLogPrefix), Enabled: pulumi.Bool(true)}
}

type signalingLB struct {
	alb            *lb.LoadBalancer
	targetGroup    *lb.TargetGroup
	https          *lb.Listener
	certificateArn pulumi.StringOutput
}

// signaling declares the HTTPS ALB for 7880: certificate (regional and global
// names, DNS-validated), TLS 1.2+ listener, HTTP redirect, target group with
// LiveKit's real health check, and the regional DNS name.
func signaling(ctx *pulumi.Context, name string, args *MediaClusterArgs, parent pulumi.ResourceOption) (*signalingLB, error) {
	names := args.Names()
	var sans pulumi.StringArray
	for _, n := range names[1:] {
		sans = append(sans, pulumi.String(n))
	}
	cert, err := acm.NewCertificate(ctx, name+"-cert", &acm.CertificateArgs{
		DomainName:              pulumi.String(names[0]),
		SubjectAlternativeNames: sans,
		ValidationMethod:        pulumi.String("DNS"),
		KeyAlgorithm:            pulumi.String("RSA_2048"),
	}, parent, pulumi.DeleteBeforeReplace(false))
	if err != nil {
		return nil, err
	}
	certArn, err := validateCertificate(ctx, name+"-cert", cert, args.ZoneID, len(names), parent)
	if err != nil {
		return nil, err
	}

	alb, err := lb.NewLoadBalancer(ctx, name, &lb.LoadBalancerArgs{
		LoadBalancerType:         pulumi.String("application"),
		Internal:                 pulumi.Bool(false),
		SecurityGroups:           pulumi.StringArray{args.LoadBalancerSecurityGroupID},
		Subnets:                  args.PublicSubnetIDs,
		IdleTimeout:              pulumi.Int(args.ALBIdleTimeout),
		DropInvalidHeaderFields:  pulumi.Bool(true),
		EnableHttp2:              pulumi.Bool(true),
		EnableDeletionProtection: pulumi.Bool(args.Protect),
		AccessLogs:               albAccessLogs(args.AccessLogsBucket),
	}, parent)
	if err != nil {
		return nil, err
	}
	ready := Readiness(args.RedisOutageTolerance)
	tg, err := lb.NewTargetGroup(ctx, name, &lb.TargetGroupArgs{
		Port:       pulumi.Int(livekit.SignalPort),
		Protocol:   pulumi.String("HTTP"),
		TargetType: pulumi.String("ip"),
		VpcId:      args.VpcID,
		// Short: ECS sends SIGTERM (LiveKit's drain) only after it
		// (DeregistrationDelay).
		DeregistrationDelay: pulumi.Int(DeregistrationDelay),
		HealthCheck: &lb.TargetGroupHealthCheckArgs{
			Enabled:  pulumi.Bool(true),
			Protocol: pulumi.String("HTTP"),
			Path:     pulumi.String(livekit.HealthPath),
			// 200 only: a node without Redis (406) takes no new signaling
			// once the outage outlasts the tolerance (Readiness).
			Matcher:            pulumi.String("200"),
			Interval:           pulumi.Int(ready.Interval),
			Timeout:            pulumi.Int(5),
			HealthyThreshold:   pulumi.Int(2),
			UnhealthyThreshold: pulumi.Int(ready.Threshold),
		},
	}, parent)
	if err != nil {
		return nil, err
	}
	https, err := lb.NewListener(ctx, name+"-https", &lb.ListenerArgs{
		LoadBalancerArn: alb.Arn,
		Port:            pulumi.Int(443),
		Protocol:        pulumi.String("HTTPS"),
		SslPolicy:       pulumi.String(args.ALBSSLPolicy),
		CertificateArn:  certArn,
		DefaultActions: lb.ListenerDefaultActionArray{&lb.ListenerDefaultActionArgs{
			Type: pulumi.String("forward"), TargetGroupArn: tg.Arn,
		}},
		// HSTS on every answer: the listener attribute
		// routing.http.response.strict_transport_security.header_value
		// (ALB response header modification, HTTPS listeners only). Docs:
		// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/header-modification.html
		RoutingHttpResponseStrictTransportSecurityHeaderValue: pulumi.String(livekit.HSTSHeader),
	}, parent)
	if err != nil {
		return nil, err
	}
	if _, err := lb.NewListener(ctx, name+"-http", &lb.ListenerArgs{
		LoadBalancerArn: alb.Arn,
		Port:            pulumi.Int(80),
		Protocol:        pulumi.String("HTTP"),
		DefaultActions: lb.ListenerDefaultActionArray{&lb.ListenerDefaultActionArgs{
			Type: pulumi.String("redirect"),
			Redirect: &lb.ListenerDefaultActionRedirectArgs{
				Protocol: pulumi.String("HTTPS"), Port: pulumi.String("443"), StatusCode: pulumi.String("HTTP_301"),
			},
		}},
	}, parent); err != nil {
		return nil, err
	}
	if err := aliasRecord(ctx, name+"-dns", args.ZoneID, args.Hostname, alb.DnsName, alb.ZoneId, true, parent); err != nil {
		return nil, err
	}
	return &signalingLB{alb: alb, targetGroup: tg, https: https, certificateArn: certArn}, nil
}

// validateCertificate writes the DNS validation records of an ACM certificate
// with n names into the zone and waits for issuance.
func validateCertificate(ctx *pulumi.Context, name string, cert *acm.Certificate, zoneID string, n int, opts ...pulumi.ResourceOption) (pulumi.StringOutput, error) {
	var fqdns pulumi.StringArray
	for i := 0; i < n; i++ {
		opt := cert.DomainValidationOptions.Index(pulumi.Int(i))
		rec, err := route53.NewRecord(ctx, fmt.Sprintf("%s-validation-%d", name, i), &route53.RecordArgs{
			ZoneId:         pulumi.String(zoneID),
			Name:           opt.ResourceRecordName().Elem(),
			Type:           opt.ResourceRecordType().Elem(),
			Records:        pulumi.StringArray{opt.ResourceRecordValue().Elem()},
			Ttl:            pulumi.Int(components.StaticRecordTTL),
			AllowOverwrite: pulumi.Bool(true),
		}, opts...)
		if err != nil {
			return pulumi.StringOutput{}, err
		}
		fqdns = append(fqdns, rec.Fqdn)
	}
	v, err := acm.NewCertificateValidation(ctx, name, &acm.CertificateValidationArgs{
		CertificateArn:        cert.Arn,
		ValidationRecordFqdns: fqdns,
	}, opts...)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	return v.CertificateArn, nil
}

// aliasRecord points hostname (an A record in zoneID) at an AWS endpoint
// (a load balancer, a CloudFront distribution) in the endpoint's own zone.
func aliasRecord(ctx *pulumi.Context, name, zoneID, hostname string, target, targetZoneID pulumi.StringInput, evaluateHealth bool, opts ...pulumi.ResourceOption) error {
	_, err := route53.NewRecord(ctx, name, &route53.RecordArgs{
		ZoneId: pulumi.String(zoneID),
		Name:   pulumi.String(hostname),
		Type:   pulumi.String("A"),
		Aliases: route53.RecordAliasArray{&route53.RecordAliasArgs{
			Name: target, ZoneId: targetZoneID, EvaluateTargetHealth: pulumi.Bool(evaluateHealth),
		}},
	}, opts...)
	return err
}
