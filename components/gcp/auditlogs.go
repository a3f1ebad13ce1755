package gcp

import (
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
)

// AuditLogsArgs says which of the region's Cloud Logging logs are kept and
// for how long.
type AuditLogsArgs struct {
	Project, Region string
	// RetentionDays is the log bucket's retention, 1-3650.
	RetentionDays int
	// SubnetName's flow logs are kept with Flow; ClusterName's control
	// plane logs with ControlPlane.
	Flow         bool
	SubnetName   pulumi.StringInput
	ControlPlane bool
	ClusterName  pulumi.StringInput
}

// AuditLogs is a log bucket in the region, kept RetentionDays, and the sink
// that routes the subnet's flow logs and the cluster's control-plane logs
// into it. The project's _Default sink still keeps its own copy (30 days,
// project-wide, left alone here).
type AuditLogs struct {
	pulumi.ResourceState

	// Bucket is the log bucket's resource name; "" with nothing to keep.
	Bucket pulumi.StringOutput
}

// check adds every problem of the args to e.
func (a *AuditLogsArgs) check(e *components.ArgErrors) {
	// Cloud Logging keeps a bucket's logs 1-3650 days. Docs:
	// https://cloud.google.com/logging/docs/buckets
	if a.RetentionDays < 1 || a.RetentionDays > 3650 {
		e.Add("RetentionDays %d must be 1-3650", a.RetentionDays)
	}
	if a.Flow && a.SubnetName == nil {
		e.Add("SubnetName is required with Flow")
	}
	if a.ControlPlane && a.ClusterName == nil {
		e.Add("ClusterName is required with ControlPlane")
	}
}

// NewAuditLogs declares the log bucket and its sink.
func NewAuditLogs(ctx *pulumi.Context, name string, args *AuditLogsArgs, opts ...pulumi.ResourceOption) (*AuditLogs, error) {
	c := &AuditLogs{}
	parent, err := components.Register(ctx, components.AuditLogsType, name, c, args, (*AuditLogsArgs).check, opts...)
	if err != nil {
		return nil, err
	}
	c.Bucket = pulumi.String("").ToStringOutput()
	if args.Flow || args.ControlPlane {
		bucket, err := logging.NewProjectBucketConfig(ctx, name, &logging.ProjectBucketConfigArgs{
			Project: pulumi.String(args.Project),
			// In the region, beside what it records.
			Location:      pulumi.String(args.Region),
			BucketId:      pulumi.String(ctx.Stack() + "-" + name),
			Description:   pulumi.String("LiveKit region audit logs: subnet flows and GKE control plane"),
			RetentionDays: pulumi.Int(args.RetentionDays),
		}, parent)
		if err != nil {
			return nil, err
		}
		var filters []pulumi.StringOutput
		if args.Flow {
			filters = append(filters, pulumi.Sprintf(`(log_id("compute.googleapis.com/vpc_flows") AND resource.type="gce_subnetwork" AND resource.labels.subnetwork_name=%q)`, args.SubnetName))
		}
		if args.ControlPlane {
			filters = append(filters, pulumi.Sprintf(`(resource.type="k8s_control_plane_component" AND resource.labels.cluster_name=%q AND resource.labels.location=%q)`, args.ClusterName, args.Region))
		}
		filter := pulumi.All(toAny(filters)...).ApplyT(func(v []any) string {
			out := ""
			for i, f := range v {
				if i > 0 {
					out += " OR "
				}
				out += f.(string)
			}
			return out
		}).(pulumi.StringOutput)
		// A sink into a log bucket of its own project is authorized by
		// Cloud Logging itself: no IAM grant to its writer identity. Docs:
		// https://cloud.google.com/logging/docs/export/configure_export_v2
		if _, err := logging.NewProjectSink(ctx, name, &logging.ProjectSinkArgs{
			Project:              pulumi.String(args.Project),
			Destination:          pulumi.Sprintf("logging.googleapis.com/%s", bucket.Name),
			Filter:               filter,
			Description:          pulumi.String("Keeps the LiveKit region's flow and control-plane logs for the audit bucket's retention"),
			UniqueWriterIdentity: pulumi.Bool(true),
		}, parent); err != nil {
			return nil, err
		}
		c.Bucket = bucket.Name
	}
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"bucket": c.Bucket}); err != nil {
		return nil, err
	}
	return c, nil
}

func toAny(in []pulumi.StringOutput) []any {
	out := make([]any, len(in))
	for i, v := range in {
		out[i] = v
	}
	return out
}
