package components

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TTLs of the Route 53 records a region declares in the global stack's
// zone (every cloud's names live there).
const (
	// FrontDoorRecordTTL is the TTL of a region's own signaling and TURN
	// names: short, so that clients find a rebuilt region's new address
	// quickly.
	FrontDoorRecordTTL = 60
	// StaticRecordTTL is the TTL of names that do not move: certificate
	// validation records and the recordings CDN's name.
	StaticRecordTTL = 300
)

// NewDNSRecord declares hostname in the zone zoneID as a record of
// recordType with the one value, through the Route 53 provider in opts: how
// GCP and Azure regions publish their names in the global zone.
func NewDNSRecord(ctx *pulumi.Context, name, zoneID, hostname, recordType string, ttl int, value pulumi.StringInput, opts ...pulumi.ResourceOption) error {
	_, err := route53.NewRecord(ctx, name, &route53.RecordArgs{
		ZoneId:  pulumi.String(zoneID),
		Name:    pulumi.String(hostname),
		Type:    pulumi.String(recordType),
		Ttl:     pulumi.Int(ttl),
		Records: pulumi.StringArray{value},
	}, opts...)
	return err
}
