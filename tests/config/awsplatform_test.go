package config

import (
	"maps"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

// Fargate Spot: the capacity provider strategy's keys are validated
// together, before any resource, each error naming its key.
func TestFargateSpotConfig(t *testing.T) {
	with := func(set map[string]string) map[string]string {
		c := validAWS()
		maps.Copy(c, set)
		return c
	}
	t.Run("off by default", func(t *testing.T) {
		s, err := stackconfig.Parse("aws-prod", stackconfig.Raw{Values: validAWS()})
		if err != nil {
			t.Fatal(err)
		}
		if s.AWS.Spot != nil {
			t.Errorf("Spot = %+v by default, want nil (off)", s.AWS.Spot)
		}
	})
	t.Run("valid strategy", func(t *testing.T) {
		s, err := stackconfig.Parse("aws-prod", stackconfig.Raw{Values: with(map[string]string{
			ns + "awsFargateSpotWeight": "3", ns + "awsFargateOnDemandBase": "3", ns + "awsFargateOnDemandWeight": "0",
		})})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := *s.AWS.Spot, (stackconfig.FargateSpot{OnDemandBase: 3, OnDemandWeight: 0, SpotWeight: 3}); got != want {
			t.Errorf("Spot = %+v, want %+v", got, want)
		}
	})
	for _, tc := range []struct {
		name string
		set  map[string]string
		key  string
		want []string
	}{
		{"spot weight without a base", map[string]string{ns + "awsFargateSpotWeight": "1"},
			ns + "awsFargateOnDemandBase", []string{"(not set)", "required with " + ns + "awsFargateSpotWeight", "minNodes (3)"}},
		{"base below minNodes", map[string]string{ns + "awsFargateSpotWeight": "1", ns + "awsFargateOnDemandBase": "2"},
			ns + "awsFargateOnDemandBase", []string{"2", "at least minNodes (3)"}},
		{"base at maxNodes", map[string]string{ns + "awsFargateSpotWeight": "1", ns + "awsFargateOnDemandBase": "10"},
			ns + "awsFargateOnDemandBase", []string{"10", "below maxNodes (10)"}},
		{"spot weight above ECS's range", map[string]string{ns + "awsFargateSpotWeight": "1001", ns + "awsFargateOnDemandBase": "3"},
			ns + "awsFargateSpotWeight", []string{"1001", "from 0 to 1000"}},
		{"negative on-demand weight", map[string]string{ns + "awsFargateSpotWeight": "1", ns + "awsFargateOnDemandBase": "3", ns + "awsFargateOnDemandWeight": "-1"},
			ns + "awsFargateOnDemandWeight", []string{"-1", "from 0 to 1000"}},
		{"base without spot", map[string]string{ns + "awsFargateOnDemandBase": "3"},
			ns + "awsFargateOnDemandBase", []string{"3", "no effect while " + ns + "awsFargateSpotWeight is 0"}},
		{"on-demand weight without spot", map[string]string{ns + "awsFargateOnDemandWeight": "2"},
			ns + "awsFargateOnDemandWeight", []string{"2", "no effect while " + ns + "awsFargateSpotWeight is 0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := stackconfig.Parse("aws-prod", stackconfig.Raw{Values: with(tc.set)})
			wantOneProblem(t, err, tc.key, tc.want)
		})
	}
}

// awsPlatform: an unknown platform, and keys of the other platform, are
// refused before any resource, naming the key.
func TestAWSPlatformConfig(t *testing.T) {
	eks := func(set map[string]string) map[string]string {
		c := validAWS()
		c[ns+"awsPlatform"] = "eks"
		c[ns+"awsEksPublicAccessCidrs"] = `["198.51.100.0/24"]`
		c[ns+"awsNatGateways"] = "single"
		maps.Copy(c, set)
		return c
	}
	t.Run("eks stack parses", func(t *testing.T) {
		s, err := stackconfig.Parse("aws-eks", stackconfig.Raw{Values: eks(nil)})
		if err != nil {
			t.Fatal(err)
		}
		if s.AWS.Platform != "eks" || s.AWS.EKS == nil || s.AWS.EKS.DrainSeconds != 18000 || !s.Region.Logs.ControlPlane {
			t.Errorf("EKS settings = %+v (platform %q, control-plane logs %t)", s.AWS.EKS, s.AWS.Platform, s.Region.Logs.ControlPlane)
		}
	})
	for _, tc := range []struct {
		name string
		raw  map[string]string
		key  string
		want []string
	}{
		{"unknown platform", func() map[string]string { c := validAWS(); c[ns+"awsPlatform"] = "lambda"; return c }(),
			ns + "awsPlatform", []string{`"lambda"`, "fargate, eks"}},
		{"eks key on a fargate stack", func() map[string]string { c := validAWS(); c[ns+"awsEksInstanceType"] = "c7i.xlarge"; return c }(),
			ns + "awsEksInstanceType", []string{`"c7i.xlarge"`, "awsPlatform eks stacks", "this livekit-infra:awsPlatform fargate stack"}},
		{"spot key on an eks stack", eks(map[string]string{ns + "awsFargateSpotWeight": "2"}),
			ns + "awsFargateSpotWeight", []string{`"2"`, "awsPlatform fargate stacks", "this livekit-infra:awsPlatform eks stack"}},
		{"task size on an eks stack", eks(map[string]string{ns + "awsTaskCpu": "4096"}),
			ns + "awsTaskCpu", []string{`"4096"`, "awsPlatform fargate stacks"}},
		{"eks without API sources", eks(map[string]string{ns + "awsEksPublicAccessCidrs": "[]"}),
			ns + "awsEksPublicAccessCidrs", []string{"must list the CIDRs", "awsEksAllowPublicApi"}},
		{"eks version unpinned", eks(map[string]string{ns + "awsEksKubernetesVersion": "latest"}),
			ns + "awsEksKubernetesVersion", []string{`"latest"`, "1.MINOR"}},
		{"eks drain too short", eks(map[string]string{ns + "awsEksDrainSeconds": "60"}),
			ns + "awsEksDrainSeconds", []string{`"60"`, "from 300 to 86400"}},
		{"eks without NAT", eks(map[string]string{ns + "awsNatGateways": "none"}),
			ns + "awsNatGateways", []string{`"none"`, "single or perAz with awsPlatform eks"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := stackconfig.Parse("aws-eks", stackconfig.Raw{Values: tc.raw})
			wantOneProblem(t, err, tc.key, tc.want)
		})
	}
}
