// Package globalzone declares a GCP or Azure region's names in the global
// stack's Route 53 zone, where every cloud's names live (TTLs:
// components.FrontDoorRecordTTL, components.StaticRecordTTL). It is apart
// from components so that the cloud-neutral contracts import no SDK.
package globalzone

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// NewRecord declares hostname in the zone zoneID as a record of
// recordType with the one value, through the Route 53 provider in opts: how
// GCP and Azure regions publish their names in the global zone.
func NewRecord(ctx *pulumi.Context, name, zoneID, hostname, recordType string, ttl int, value pulumi.StringInput, opts ...pulumi.ResourceOption) error {
	_, err := route53.NewRecord(ctx, name, &route53.RecordArgs{
		ZoneId:  pulumi.String(zoneID),
		Name:    pulumi.String(hostname),
		Type:    pulumi.String(recordType),
		Ttl:     pulumi.Int(ttl),
		Records: pulumi.StringArray{value},
	}, opts...)
	return err
}
