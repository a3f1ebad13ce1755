package plan

import (
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
