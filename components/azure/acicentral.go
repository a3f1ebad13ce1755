package azure

import (
	"github.com/pulumi/pulumi-azure-native-sdk/managedidentity/v2"
	"github.com/pulumi/pulumi-azure/sdk/v5/go/azure/containerservice"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/observability"
)

// ACICentralArgs point the LiveKit groups' metrics agents at the global
// stack's central view (an AMP workspace): each agent adds the central
// remote write, SigV4-signed with credentials STS grants for the managed
// identity's Entra ID token, which a refresher container beside it keeps
// fresh in a file of the group's shared emptyDir volume.
type ACICentralArgs struct {
	// Central is the remote-write URL and the region's writer role.
	Central observability.Central
	// RefresherImage is observability.ACITokenRefresherImage, from the
	// mirror.
	RefresherImage string
}

const (
	// ACIRefresherContainer is the token refresher's container name.
	ACIRefresherContainer = "central-token"
	// ACITokenDir is the shared emptyDir both mount (the agent read-only);
	// ACITokenFile the token the AWS SDK reads.
	ACITokenDir  = "/var/run/central-token"
	ACITokenFile = ACITokenDir + "/token"
	aciTokenVol  = "central-token"
	// ACITokenRefreshSeconds: a managed identity token lives hours; the
	// AWS SDK rereads the file whenever its STS credentials (one hour)
	// expire, so the file is rewritten far more often than either.
	ACITokenRefreshSeconds = "300"
)

// ACITokenRefresherScript is the refresher's whole program: az does the
// managed identity login, the token request and its retries; the shell
// writes the token atomically (a temporary file, then mv in the same
// directory) and sleeps. set -eu: any failure (no identity endpoint, an
// empty token) exits the container, and the group's restart policy
// (Always) starts it again. --allow-no-subscriptions: the identity holds
// no Azure role anywhere.
const ACITokenRefresherScript = `set -eu
az login --identity --client-id "$IDENTITY_CLIENT_ID" --allow-no-subscriptions --output none
while :; do
  az account get-access-token --resource "$TOKEN_AUDIENCE" --query accessToken --output tsv > "$TOKEN_FILE.tmp"
  test -s "$TOKEN_FILE.tmp"
  mv -f "$TOKEN_FILE.tmp" "$TOKEN_FILE"
  sleep "$REFRESH_SECONDS"
done
`

// aciCentralWriter is the LiveKit groups' writer identity for the central
// view: a user-assigned identity with no Azure role (an Entra ID token for
// the token exchange audience needs none). It is declared, and exported
// as the region's metricsWriter, before the groups use it: the global
// stack creates the writer role from it, and the region attaches it with
// the central keys (docs/observability.md, "Deploy order").
func aciCentralWriter(ctx *pulumi.Context, name string, group pulumi.StringInput, location string, parent pulumi.ResourceOption) (*managedidentity.UserAssignedIdentity, error) {
	return managedidentity.NewUserAssignedIdentity(ctx, name+"-central-writer", &managedidentity.UserAssignedIdentityArgs{
		ResourceGroupName: group,
		Location:          pulumi.String(location),
	}, parent)
}

// ACIMetricsWriter is the region's metricsWriter for the identity: its
// tenant's Entra ID v2.0 issuer, its object ID as the subject, the token
// exchange audience and its client ID (the token's azp).
func ACIMetricsWriter(id *managedidentity.UserAssignedIdentity) pulumi.StringMap {
	return pulumi.StringMap{
		components.MetricsWriterIssuer:          pulumi.Sprintf("https://login.microsoftonline.com/%s/v2.0", id.TenantId),
		components.MetricsWriterSubject:         id.PrincipalId,
		components.MetricsWriterTokenAudience:   pulumi.String(components.EntraTokenExchangeAudience),
		components.MetricsWriterAuthorizedParty: id.ClientId,
	}
}

// aciRefresherContainer keeps the writer identity's token in the shared
// volume.
func aciRefresherContainer(c *ACICentralArgs, clientID pulumi.StringOutput) *containerservice.GroupContainerArgs {
	return &containerservice.GroupContainerArgs{
		Name:     pulumi.String(ACIRefresherContainer),
		Image:    pulumi.String(c.RefresherImage),
		Cpu:      pulumi.Float64(observability.ACIRefresherCPU),
		Memory:   pulumi.Float64(observability.ACIRefresherMemoryGB),
		Commands: pulumi.ToStringArray([]string{"/bin/sh", "-c", ACITokenRefresherScript}),
		EnvironmentVariables: pulumi.StringMap{
			"IDENTITY_CLIENT_ID": clientID,
			"TOKEN_AUDIENCE":     pulumi.String(components.EntraTokenExchangeAudience),
			"TOKEN_FILE":         pulumi.String(ACITokenFile),
			"REFRESH_SECONDS":    pulumi.String(ACITokenRefreshSeconds),
		},
		Volumes: containerservice.GroupContainerVolumeArray{aciTokenVolume(false)},
	}
}

// aciTokenVolume is the group's shared emptyDir (ACI merges a volume of
// one name mounted by several containers).
func aciTokenVolume(readOnly bool) *containerservice.GroupContainerVolumeArgs {
	return &containerservice.GroupContainerVolumeArgs{
		Name:      pulumi.String(aciTokenVol),
		MountPath: pulumi.String(ACITokenDir),
		ReadOnly:  pulumi.Bool(readOnly),
		EmptyDir:  pulumi.Bool(true),
	}
}

// withCentral adds the central view to a group's agent container: its
// web identity (the writer role, the refreshed token, STS in the
// workspace's region, as on GKE and AKS) and the shared volume, read-only.
func withCentral(agent *containerservice.GroupContainerArgs, c *ACICentralArgs) *containerservice.GroupContainerArgs {
	region := observability.AMPRegion(c.Central.URL)
	agent.EnvironmentVariables = pulumi.StringMap{
		"AWS_ROLE_ARN":                pulumi.String(c.Central.RoleARN),
		"AWS_WEB_IDENTITY_TOKEN_FILE": pulumi.String(ACITokenFile),
		"AWS_REGION":                  pulumi.String(region),
		"AWS_STS_REGIONAL_ENDPOINTS":  pulumi.String("regional"),
	}
	agent.Volumes = append(agent.Volumes.(containerservice.GroupContainerVolumeArray), aciTokenVolume(true))
	return agent
}
