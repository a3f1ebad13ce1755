package regional

import (
	"reflect"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

// CostTags are the region's cost-allocation tags (AWS, Azure) or labels
// (GCP): app, stack, region and owner, so that the bill can be split by
// stack and team (AWS: activate them as cost-allocation tags in Billing).
// Values follow the GCP label rule in every cloud (lowercase letters,
// digits, - and _, at most 63 characters) so that one report reads the
// same for every cloud.
func CostTags(s *stackconfig.Stack, region string) map[string]string {
	var owner string
	switch {
	case s.Region != nil:
		owner = s.Region.Owner
	case s.Global != nil:
		owner = s.Global.Owner
	}
	return map[string]string{
		"app":    "livekit",
		"stack":  LabelValue(s.Name),
		"region": LabelValue(region),
		"owner":  LabelValue(owner),
	}
}

var notLabel = regexp.MustCompile(`[^a-z0-9_-]`)

// LabelValue is v as a GCP label value: lowercased, any other character
// replaced by '-', cut at 63 characters.
func LabelValue(v string) string {
	v = notLabel.ReplaceAllString(strings.ToLower(v), "-")
	if len(v) > 63 {
		v = v[:63]
	}
	return v
}

// tagFields is the args field that carries a resource's tags or labels,
// per type where it is not the cloud's usual one: a notification
// channel's `labels` are its settings (the address), its labels are
// `userLabels`.
var tagFields = map[string]string{
	"gcp:monitoring/notificationChannel:NotificationChannel": "UserLabels",
	"gcp:container/cluster:Cluster":                          "ResourceLabels",
	"gcp:monitoring/alertPolicy:AlertPolicy":                 "UserLabels",
}

var stringMapInput = reflect.TypeOf((*pulumi.StringMapInput)(nil)).Elem()

// TagEveryResource adds tags to every resource of the stack whose args
// have field (Tags on AWS and Azure, Labels on GCP) as a map of strings,
// keeping any tag the component set itself. A stack transformation rather
// than provider default tags: an explicit provider would change every
// resource's provider reference (a replacement for deployed stacks), and
// GCP and Azure have no default tags for every resource.
func TagEveryResource(ctx *pulumi.Context, field string, tags map[string]string) error {
	return ctx.RegisterStackTransformation(func(args *pulumi.ResourceTransformationArgs) *pulumi.ResourceTransformationResult {
		f := field
		if alt, ok := tagFields[args.Type]; ok {
			f = alt
		}
		if !AddTags(args.Props, f, tags) {
			return nil
		}
		return &pulumi.ResourceTransformationResult{Props: args.Props, Opts: args.Opts}
	})
}

// AddTags merges tags into props' field (a *XArgs struct) when it is a
// pulumi.StringMapInput; it reports whether it did.
func AddTags(props any, field string, tags map[string]string) bool {
	v := reflect.ValueOf(props)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return false
	}
	fv := v.Elem().FieldByName(field)
	if !fv.IsValid() || !fv.CanSet() || fv.Type() != stringMapInput {
		return false
	}
	var merged pulumi.StringMapInput
	switch cur := fv.Interface().(type) {
	case nil:
		m := pulumi.StringMap{}
		for k, t := range tags {
			m[k] = pulumi.String(t)
		}
		merged = m
	case pulumi.StringMap:
		m := pulumi.StringMap{}
		for k, t := range tags {
			m[k] = pulumi.String(t)
		}
		for k, t := range cur {
			m[k] = t
		}
		merged = m
	default:
		merged = cur.(pulumi.StringMapInput).ToStringMapOutput().ApplyT(func(c map[string]string) map[string]string {
			m := map[string]string{}
			for k, t := range tags {
				m[k] = t
			}
			for k, t := range c {
				m[k] = t
			}
			return m
		}).(pulumi.StringMapOutput)
	}
	fv.Set(reflect.ValueOf(&merged).Elem())
	return true
}
