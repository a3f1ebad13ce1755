package azure

import (
	"encoding/base64"
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/managedidentity/v2"
	"github.com/pulumi/pulumi-azure/sdk/v5/go/azure/authorization"
	"github.com/pulumi/pulumi-azure/sdk/v5/go/azure/containerservice"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/components/observability"
)

// ACIMetricsArgs run a Prometheus agent beside LiveKit in every container
// group: it scrapes localhost:6789 (containers of a group share one
// network namespace, so no NSG or firewall rule opens the port) and
// remote-writes to the region's Azure Monitor workspace as a user-assigned
// identity holding Monitoring Metrics Publisher on the workspace's data
// collection rule alone. Managed identities work in VNet-injected groups
// outside Azure Government
// (https://learn.microsoft.com/azure/container-instances/container-instances-virtual-network-concepts).
type ACIMetricsArgs struct {
	// Image is the agent (observability.AgentImage, from the mirror).
	Image string
	// RemoteWriteURL is the workspace's ingestion URL
	// (Monitoring.RemoteWriteURL); RuleID its data collection rule.
	RemoteWriteURL pulumi.StringInput
	RuleID         pulumi.StringInput
	// Region labels every series (stack, cloud, region).
	Region observability.Region
	// Central, when set, also writes the LiveKit groups' series to the
	// global stack's central view (acicentral.go).
	Central *ACICentralArgs
}

// The agent's share of a group (observability.ACIAgentCPU, ...).
const (
	ACIAgentCPU      = observability.ACIAgentCPU
	ACIAgentMemoryGB = observability.ACIAgentMemoryGB
	// MetricsPublisher may write metrics through a data collection rule
	// and nothing else.
	MetricsPublisher = "Monitoring Metrics Publisher"
	aciAgentDir      = "/etc/prometheus-agent"
	aciAgentFile     = "prometheus.yml"
	// The agent's web listener: 9090 beside LiveKit, 9091 beside Egress
	// (whose prometheus_port is 9090).
	aciAgentListen       = "127.0.0.1:9090"
	aciEgressAgentListen = "127.0.0.1:9091"
)

func (a *ACIMetricsArgs) check(e *components.ArgErrors) {
	e.Require(components.Field{Name: "Metrics.Image", Missing: a.Image == ""},
		components.Field{Name: "Metrics.RemoteWriteURL", Missing: a.RemoteWriteURL == nil},
		components.Field{Name: "Metrics.RuleID", Missing: a.RuleID == nil})
	if err := a.Region.Validate(); err != nil {
		e.Add("Metrics.Region: %w", err)
	}
	if c := a.Central; c != nil {
		if _, err := c.Central.RemoteWrite(); err != nil {
			e.Add("Metrics.Central: %w", err)
		}
		e.Require(components.Field{Name: "Metrics.Central.RefresherImage", Missing: c.RefresherImage == ""})
	}
}

// ACIAgentConfig is group i's agent configuration: the livekit job on
// localhost:6789 every 30 s (LiveKit's and the process series only), the
// group as its instance, the region's labels, one remote write into the
// workspace as the identity clientID.
func ACIAgentConfig(region observability.Region, group int, remoteWriteURL, clientID string) (observability.PrometheusConfig, error) {
	job, err := region.SidecarScrape(livekit.PrometheusPort)
	if err != nil {
		return observability.PrometheusConfig{}, err
	}
	return aciAgentConfig(region, job, fmt.Sprintf("group-%d", group), remoteWriteURL, clientID, nil)
}

// ACIAgentConfigCentral is ACIAgentConfig writing to the central view too:
// the same series, with the region's labels, also to central's AMP
// workspace (SigV4 with the web identity of the agent's environment).
func ACIAgentConfigCentral(region observability.Region, group int, remoteWriteURL, clientID string, central observability.Central) (observability.PrometheusConfig, error) {
	job, err := region.SidecarScrape(livekit.PrometheusPort)
	if err != nil {
		return observability.PrometheusConfig{}, err
	}
	return aciAgentConfig(region, job, fmt.Sprintf("group-%d", group), remoteWriteURL, clientID, &central)
}

// ACIEgressAgentConfig is Egress group i's agent configuration: the same
// file with the livekit-egress job on localhost:9090 (Egress's
// prometheus_port) and egress-<i> as the instance.
func ACIEgressAgentConfig(region observability.Region, group int, remoteWriteURL, clientID string) (observability.PrometheusConfig, error) {
	job, err := region.EgressSidecarScrape(livekit.EgressPrometheusPort)
	if err != nil {
		return observability.PrometheusConfig{}, err
	}
	return aciAgentConfig(region, job, fmt.Sprintf("egress-%d", group), remoteWriteURL, clientID, nil)
}

func aciAgentConfig(region observability.Region, job observability.ScrapeConfig, instance, remoteWriteURL, clientID string, central *observability.Central) (observability.PrometheusConfig, error) {
	// Every group scrapes localhost: the instance names the series apart.
	labels := map[string]string{"instance": instance}
	for k, v := range job.StaticConfigs[0].Labels {
		labels[k] = v
	}
	job.StaticConfigs[0].Labels = labels
	rw, err := observability.AzureMonitorRemoteWrite(remoteWriteURL, clientID)
	if err != nil {
		return observability.PrometheusConfig{}, err
	}
	writes := []observability.RemoteWrite{rw}
	if central != nil {
		crw, err := central.RemoteWrite()
		if err != nil {
			return observability.PrometheusConfig{}, err
		}
		writes = append(writes, crw)
	}
	return region.AgentPrometheusTo([]observability.ScrapeConfig{job}, writes...)
}

// aciMetricsIdentity declares the agents' identity and its one role.
func aciMetricsIdentity(ctx *pulumi.Context, name string, group pulumi.StringInput, location string, m *ACIMetricsArgs, parent pulumi.ResourceOption) (*managedidentity.UserAssignedIdentity, pulumi.Resource, error) {
	id, err := managedidentity.NewUserAssignedIdentity(ctx, name+"-metrics", &managedidentity.UserAssignedIdentityArgs{
		ResourceGroupName: group,
		Location:          pulumi.String(location),
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	grant, err := authorization.NewAssignment(ctx, name+"-metrics-publisher", &authorization.AssignmentArgs{
		Scope:                        m.RuleID,
		RoleDefinitionName:           pulumi.String(MetricsPublisher),
		PrincipalId:                  id.PrincipalId,
		PrincipalType:                pulumi.String("ServicePrincipal"),
		SkipServicePrincipalAadCheck: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	return id, grant, nil
}

// aciAgentContainer is a group's agent: Prometheus in agent mode (scrape
// and remote write only), its web listener on loopback at listen (the
// group's containers share one network namespace: it must not be a port
// of the group's workload), its config (render's, over the workspace URL
// and the identity's client ID) in a secret volume (ACI's one inline file
// volume; the file holds no secret).
func aciAgentContainer(m *ACIMetricsArgs, clientID pulumi.StringOutput, listen string,
	render func(remoteWriteURL, clientID string) (observability.PrometheusConfig, error)) *containerservice.GroupContainerArgs {
	config := pulumi.All(m.RemoteWriteURL, clientID).ApplyT(func(v []any) (string, error) {
		cfg, err := render(v[0].(string), v[1].(string))
		if err != nil {
			return "", err
		}
		out, err := observability.MarshalYAML(cfg)
		if err != nil {
			return "", err
		}
		return base64.StdEncoding.EncodeToString([]byte(out)), nil
	}).(pulumi.StringOutput)
	return &containerservice.GroupContainerArgs{
		Name:   pulumi.String("metrics-agent"),
		Image:  pulumi.String(m.Image),
		Cpu:    pulumi.Float64(ACIAgentCPU),
		Memory: pulumi.Float64(ACIAgentMemoryGB),
		Commands: pulumi.ToStringArray([]string{
			"/bin/prometheus", "--agent",
			"--config.file=" + aciAgentDir + "/" + aciAgentFile,
			"--storage.agent.path=/prometheus",
			"--web.listen-address=" + listen,
		}),
		Volumes: containerservice.GroupContainerVolumeArray{&containerservice.GroupContainerVolumeArgs{
			Name:      pulumi.String("agent-config"),
			MountPath: pulumi.String(aciAgentDir),
			ReadOnly:  pulumi.Bool(true),
			Secret:    pulumi.StringMap{aciAgentFile: config},
		}},
	}
}
