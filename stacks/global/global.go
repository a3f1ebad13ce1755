// Package global is the global stack kind: GeoDNS with health-checked
// failover across the regional stacks, in the Route 53 zone every region
// already writes its own hostname to.
//
// The regions' endpoints come from StackReferences to the regional stacks,
// so the global stack is deployed after them and follows their outputs.
package global

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	awsc "github.com/livekit-infra/livekit-infra/components/aws"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/stacks/kinds"
	"github.com/livekit-infra/livekit-infra/stacks/regional"
	"github.com/livekit-infra/livekit-infra/stacks/stackref"
)

// Program reads and validates the stack config, then declares the stack.
var Program = kinds.Program(stackconfig.KindGlobal, Stack)

// Stack declares the global stack from validated settings.
func Stack(ctx *pulumi.Context, s *stackconfig.Stack) (pulumi.Map, error) {
	g := s.Global
	if g == nil || g.Routing == nil {
		return nil, fmt.Errorf("stack %q: no global settings", s.Name)
	}
	// The same cost-allocation tags as the regions; Route 53 is global.
	if err := regional.TagEveryResource(ctx, "Tags", regional.CostTags(s, "global")); err != nil {
		return nil, err
	}

	var regions []components.GlobalTrafficRegion
	details := pulumi.Map{}
	var fingerprints []pulumi.Output
	var refs []*stackref.Ref
	for _, r := range g.Regions {
		ref, err := stackref.New(ctx, r.Stack)
		if err != nil {
			return nil, fmt.Errorf("region %s: reading stack %s: %w", r.Name, r.Stack, err)
		}
		refs = append(refs, ref)
		fingerprints = append(fingerprints, ref.Output(components.OutputAPIKeyFingerprint))
		ep := endpoints(ctx, ref, r, s.GlobalHostname)
		regions = append(regions, components.GlobalTrafficRegion{
			Name: r.Name, Hostname: ep.hostname, URL: ep.url, HealthCheckPath: ep.healthPath,
		})
		details[r.Name] = pulumi.Map{
			"stack":      pulumi.String(r.Stack),
			"hostname":   ep.hostname,
			"url":        ep.url,
			"healthUrl":  ep.healthURL,
			"cloud":      ref.Output(components.OutputCloud),
			"region":     ref.Output(components.OutputRegion),
			"continents": pulumi.ToStringArray(continents(r)),
			"failover":   pulumi.ToStringArray(r.Failover),
		}
	}

	keys := sameKeySet(g.Regions, fingerprints)

	gt, err := awsc.NewGlobalTraffic(ctx, "livekit-global", &awsc.GlobalTrafficArgs{
		GlobalTrafficArgs: components.GlobalTrafficArgs{
			ZoneID:             s.ZoneID,
			Plan:               g.Routing,
			Regions:            regions,
			HealthCheck:        g.HealthCheck.HealthCheck,
			HealthCheckRegions: g.HealthCheck.Regions,
			AlarmEmail:         g.AlarmEmail,
			RTOSeconds:         g.RTOSeconds,
			Protect:            s.Protect,
		},
	})
	if err != nil {
		return nil, err
	}

	central, err := centralMetrics(ctx, s, refs)
	if err != nil {
		return nil, err
	}

	out := pulumi.Map{
		"url":                              gt.URL,
		"hostname":                         pulumi.String(s.GlobalHostname),
		"regionUrls":                       gt.RegionURLs,
		"regions":                          details,
		"routingMode":                      pulumi.String(string(g.Routing.Mode)),
		"failoverMatrix":                   gt.FailoverMatrix,
		"ttlSeconds":                       pulumi.Int(g.Routing.TTL),
		"healthCheckIntervalSeconds":       pulumi.Int(g.HealthCheck.IntervalSeconds),
		"healthCheckFailureThreshold":      pulumi.Int(g.HealthCheck.FailureThreshold),
		"worstCaseFailoverSeconds":         gt.WorstCaseFailoverSeconds,
		"rtoSeconds":                       pulumi.Int(g.RTOSeconds),
		"healthCheckIds":                   gt.HealthCheckIDs,
		"alarmTopicArn":                    gt.AlarmTopic,
		components.OutputAPIKeyFingerprint: keys,
	}
	for k, v := range central {
		out[k] = v
	}
	return out, nil
}

// sameKeySet fails the deployment unless every region serves the same API
// key set: GeoDNS moves clients between regions with the token they already
// hold, and a region with other keys answers it with 401. The regions
// publish fingerprints (livekit.KeySet.Fingerprint), never the keys.
func sameKeySet(regions []stackconfig.GlobalRegion, fingerprints []pulumi.Output) pulumi.StringOutput {
	return pulumi.All(toInputs(fingerprints)...).ApplyT(func(v []any) (string, error) {
		byPrint := map[string][]string{}
		var order []string
		for i, x := range v {
			r := regions[i]
			fp, ok := x.(string)
			if !ok || fp == "" {
				return "", fmt.Errorf("region %s: stack %s exports no %q, so the global stack cannot check that it accepts the same tokens as the other regions: redeploy it with this version (lkinfra up --stacks %s)",
					r.Name, r.Stack, components.OutputAPIKeyFingerprint, r.Stack)
			}
			if _, seen := byPrint[fp]; !seen {
				order = append(order, fp)
			}
			byPrint[fp] = append(byPrint[fp], r.Name)
		}
		if len(order) > 1 {
			groups := make([]string, len(order))
			for i, fp := range order {
				groups[i] = fmt.Sprintf("%s serve %s", strings.Join(byPrint[fp], ", "), fp)
			}
			return "", fmt.Errorf("the regions serve different API key sets (%s): a client failed over to another region would get 401 with its token. "+
				"Set livekit-infra:credentialsStack to the same credentials stack in every regional stack (or the same apiKey/apiSecret everywhere) and redeploy them",
				strings.Join(groups, "; "))
		}
		return order[0], nil
	}).(pulumi.StringOutput)
}

func toInputs(outs []pulumi.Output) []any {
	in := make([]any, len(outs))
	for i, o := range outs {
		in[i] = o
	}
	return in
}

func continents(r stackconfig.GlobalRegion) []string {
	out := make([]string, len(r.Continents))
	for i, c := range r.Continents {
		out[i] = string(c)
	}
	return out
}

type regionEndpoints struct {
	hostname, url, healthURL, healthPath pulumi.StringOutput
}

// endpoints reads a region's outputs, failing the deployment with a message
// that says what to fix when one is missing or contradicts this stack.
func endpoints(ctx *pulumi.Context, ref *stackref.Ref, r stackconfig.GlobalRegion, global string) regionEndpoints {
	get := ref.Output
	missing := func(k string) error {
		return fmt.Errorf("region %s: stack %s has no output %q: deploy the regional stacks before the global stack (pulumi up --stack %s)", r.Name, r.Stack, k, r.Stack)
	}
	hostname := pulumi.All(get(components.OutputHostname), get(components.OutputGlobalHostname)).ApplyT(func(v []any) (string, error) {
		h, ok := v[0].(string)
		if !ok || h == "" {
			return "", missing(components.OutputHostname)
		}
		h = strings.ToLower(strings.TrimSuffix(h, "."))
		if h == global {
			return "", fmt.Errorf("region %s: its hostname is the global hostname %s; each region needs its own name for its health check", r.Name, h)
		}
		switch gh := v[1].(type) {
		case nil:
			_ = ctx.Log.Warn(fmt.Sprintf("region %s: stack %s does not export %q, so the global stack cannot check that its certificate carries %s; clients routed there under the global name fail TLS otherwise", r.Name, r.Stack, components.OutputGlobalHostname, global), nil)
		case string:
			if !strings.EqualFold(strings.TrimSuffix(gh, "."), global) {
				return "", fmt.Errorf("region %s: stack %s serves the global hostname %q, not %q, so its certificate does not carry this global name: set livekit-infra:globalHostname: %s in that stack and redeploy it", r.Name, r.Stack, gh, global, global)
			}
		}
		return h, nil
	}).(pulumi.StringOutput)
	url := get(components.OutputURL).ApplyT(func(v any) (string, error) {
		u, ok := v.(string)
		if !ok || u == "" {
			return "", missing(components.OutputURL)
		}
		if !strings.HasPrefix(u, "wss://") {
			return "", fmt.Errorf("region %s: stack %s exports url %q; want wss://<hostname>", r.Name, r.Stack, u)
		}
		return u, nil
	}).(pulumi.StringOutput)
	healthURL := pulumi.All(get(components.OutputHealthURL), hostname).ApplyT(func(v []any) string {
		if u, ok := v[0].(string); ok && u != "" {
			return u
		}
		_, h := components.URLs(v[1].(string))
		return h
	}).(pulumi.StringOutput)
	healthPath := get(components.OutputHealthCheckPath).ApplyT(func(v any) (string, error) {
		p, ok := v.(string)
		if !ok || p == "" {
			return livekit.HealthPath, nil
		}
		if !strings.HasPrefix(p, "/") {
			return "", fmt.Errorf("region %s: stack %s exports healthCheckPath %q; want an absolute path such as /", r.Name, r.Stack, p)
		}
		return p, nil
	}).(pulumi.StringOutput)
	return regionEndpoints{hostname: hostname, url: url, healthURL: healthURL, healthPath: healthPath}
}
