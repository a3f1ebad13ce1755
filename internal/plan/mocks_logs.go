package plan

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// The Elastic Load Balancing account that writes a region's ALB access logs
// (regions opened before August 2022). Plans answer a stand-in account per
// region: deterministic, never the caller's FakeAccountID.
func init() {
	invokes["aws:elb/getServiceAccount:getServiceAccount"] = func(mi MockInfo) resource.PropertyMap {
		region := mi.Region
		if s, ok := plainString(mi.Inputs, "region"); ok {
			region = s
		}
		account := "9" + hashDigits("elb-log-delivery:"+region, 11)
		return props(map[string]any{"id": account, "arn": "arn:aws:iam::" + account + ":root"})
	}
}

// Cloud Logging's log bucket (its resource name is what a sink's destination
// names) and sink (a writer identity of its own).
func init() {
	computedOutputs["gcp:logging/projectBucketConfig:ProjectBucketConfig"] = func(mi MockInfo) resource.PropertyMap {
		id, _ := plainString(mi.Inputs, "bucketId")
		name := fmt.Sprintf("projects/%s/locations/%s/buckets/%s", gcpProject(mi), gcpLocation(mi, "global"), id)
		return props(map[string]any{"id": name, "name": name})
	}
	computedOutputs["gcp:logging/projectSink:ProjectSink"] = func(mi MockInfo) resource.PropertyMap {
		return props(map[string]any{
			"id":             fmt.Sprintf("projects/%s/sinks/%s", gcpProject(mi), mi.PhysicalName()),
			"writerIdentity": fmt.Sprintf("serviceAccount:service-%s@gcp-sa-logging.iam.gserviceaccount.com", hashDigits("sink"+mi.Name, 12)),
		})
	}
}
