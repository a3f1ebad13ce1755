package plan

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// FakeAzureSubscription and FakeAzureTenant appear in the mocks' Azure
// resource IDs and identities.
const (
	FakeAzureSubscription = "00000000-0000-4000-8000-000000000001"
	FakeAzureTenant       = "00000000-0000-4000-8000-0000000000aa"
)

// AKS API version of the containerservice types the azure stack uses.
const aksAPI = "azure-native:containerservice/v20240801:"

func init() { registerCloud(azureComputed, azureInvokes) }

// armID is an Azure Resource Manager ID for a resource of provider/type in
// the resource group its inputs name.
func armID(mi MockInfo, providerType string) string {
	rg, ok := plainString(mi.Inputs, "resourceGroupName")
	if !ok {
		rg = "plan-rg"
	}
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/%s/%s", FakeAzureSubscription, rg, providerType, mi.PhysicalName())
}

// azurePublicIP returns a deterministic address in 20.0.0.0/8 (Azure's
// public space).
func azurePublicIP(seed string) string {
	h := hashBytes(seed)
	return fmt.Sprintf("20.%d.%d.%d", h[0], h[1], 1+int(h[2])%254)
}

func withARMID(providerType string) ComputedFunc {
	return func(mi MockInfo) resource.PropertyMap {
		return props(map[string]any{"id": armID(mi, providerType)})
	}
}

// classicID is a classic (pulumi-azure) resource ID; those resources take
// an explicit resourceGroupName too.
func classicID(mi MockInfo, providerType string) string { return armID(mi, providerType) }

// kubeconfigFor is an AKS kubeconfig for cluster at fqdn whose one user,
// clusterUser_<cluster>, authenticates with user (YAML indented under
// `user:`).
func kubeconfigFor(cluster, fqdn, user string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: cGxhbi1jYQ==
    server: https://%[2]s:443
  name: %[1]s
contexts:
- context:
    cluster: %[1]s
    user: clusterUser_%[1]s
  name: %[1]s
current-context: %[1]s
users:
- name: clusterUser_%[1]s
  user:
%[3]s`, cluster, fqdn, user)
}

// fakeKubeconfig is the kubeconfig the mock AKS cluster hands out: a
// client certificate and a token (local accounts).
func fakeKubeconfig(cluster, fqdn string) string {
	return kubeconfigFor(cluster, fqdn, fmt.Sprintf(`    client-certificate-data: cGxhbi1jZXJ0
    client-key-data: cGxhbi1rZXk=
    token: plan-token-%s
`, hashHex("aks-token"+cluster, 32)))
}

// AKSServerID is the Entra ID application of the AKS API server that
// kubelogin requests tokens for (the same in every tenant).
const AKSServerID = "6dae42f8-4368-4678-94ff-3960e28e3630"

// fakeExecKubeconfig is what AKS returns for a cluster with Entra ID when
// asked for format=exec: kubelogin with the interactive devicecode login
// (pulumi/pulumi-azure-native#2399), no credential.
func fakeExecKubeconfig(cluster, fqdn string) string {
	return kubeconfigFor(cluster, fqdn, fmt.Sprintf(`    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - get-token
      - --environment
      - AzurePublicCloud
      - --server-id
      - %s
      - --client-id
      - 80faf920-1908-4b52-b5ef-a8e7bedfc67a
      - --tenant-id
      - %s
      - --login
      - devicecode
      command: kubelogin
      env: null
      installHint: |
        kubelogin is not installed which is required to connect to AAD enabled cluster.
      provideClusterInfo: false
`, AKSServerID, FakeAzureTenant))
}

var azureComputed = map[string]ComputedFunc{
	"azure-native:resources:ResourceGroup": func(mi MockInfo) resource.PropertyMap {
		name := mi.PhysicalName()
		if s, ok := plainString(mi.Inputs, "resourceGroupName"); ok {
			name = s
		}
		return props(map[string]any{"id": fmt.Sprintf("/subscriptions/%s/resourceGroups/%s", FakeAzureSubscription, name), "name": name})
	},
	"azure-native:network:VirtualNetwork":           withARMID("Microsoft.Network/virtualNetworks"),
	"azure-native:network:NetworkSecurityGroup":     withARMID("Microsoft.Network/networkSecurityGroups"),
	"azure-native:network:ApplicationSecurityGroup": withARMID("Microsoft.Network/applicationSecurityGroups"),
	"azure-native:network:PrivateEndpoint":          withARMID("Microsoft.Network/privateEndpoints"),
	"azure-native:network:Subnet": func(mi MockInfo) resource.PropertyMap {
		vnet, _ := plainString(mi.Inputs, "virtualNetworkName")
		return props(map[string]any{"id": armID(MockInfo{Name: vnet, Inputs: mi.Inputs}, "Microsoft.Network/virtualNetworks") + "/subnets/" + mi.PhysicalName()})
	},
	"azure-native:network:PublicIPAddress": func(mi MockInfo) resource.PropertyMap {
		return props(map[string]any{
			"id":        armID(mi, "Microsoft.Network/publicIPAddresses"),
			"ipAddress": azurePublicIP(mi.Type + mi.Name),
		})
	},
	"azure-native:network:PublicIPPrefix": func(mi MockInfo) resource.PropertyMap {
		bits := 28
		if n, ok := mi.Inputs["prefixLength"]; ok && n.IsNumber() {
			bits = int(n.NumberValue())
		}
		h := hashBytes(mi.Type + mi.Name)
		return props(map[string]any{
			"id":       armID(mi, "Microsoft.Network/publicIPPrefixes"),
			"ipPrefix": fmt.Sprintf("20.%d.%d.%d/%d", h[0], h[1], int(h[2])&^0x1f, bits),
		})
	},
	"azure-native:network:PrivateZone": func(mi MockInfo) resource.PropertyMap {
		zone, _ := plainString(mi.Inputs, "privateZoneName")
		return props(map[string]any{"id": armID(MockInfo{Name: zone, Inputs: mi.Inputs}, "Microsoft.Network/privateDnsZones"), "name": zone})
	},
	"azure-native:keyvault:Vault": func(mi MockInfo) resource.PropertyMap {
		// Key Vault names are global, 3-24 characters: auto-named unless given.
		name, ok := plainString(mi.Inputs, "vaultName")
		if !ok {
			name = "kv" + mi.Hash("name", 8)
		}
		return props(map[string]any{
			"id":         armID(MockInfo{Name: name, Inputs: mi.Inputs}, "Microsoft.KeyVault/vaults"),
			"name":       name,
			"properties": map[string]any{"vaultUri": "https://" + name + ".vault.azure.net/"},
		})
	},
	"azure-native:keyvault:Secret": func(mi MockInfo) resource.PropertyMap {
		vault, _ := plainString(mi.Inputs, "vaultName")
		name, ok := plainString(mi.Inputs, "secretName")
		if !ok {
			name = mi.PhysicalName()
		}
		return props(map[string]any{"id": armID(MockInfo{Name: vault, Inputs: mi.Inputs}, "Microsoft.KeyVault/vaults") + "/secrets/" + name, "name": name})
	},
	// A credential set's system-assigned identity.
	"azure-native:containerregistry:CredentialSet": func(mi MockInfo) resource.PropertyMap {
		reg, _ := plainString(mi.Inputs, "registryName")
		name, _ := plainString(mi.Inputs, "credentialSetName")
		return props(map[string]any{
			"id":       armID(MockInfo{Name: reg, Inputs: mi.Inputs}, "Microsoft.ContainerRegistry/registries") + "/credentialSets/" + name,
			"identity": map[string]any{"type": "SystemAssigned", "principalId": uuidish("principal:" + mi.Name), "tenantId": FakeAzureTenant},
		})
	},
	"azure-native:managedidentity:UserAssignedIdentity": func(mi MockInfo) resource.PropertyMap {
		return props(map[string]any{
			"id":          armID(mi, "Microsoft.ManagedIdentity/userAssignedIdentities"),
			"principalId": uuidish("principal:" + mi.Name),
			"clientId":    uuidish("client:" + mi.Name),
			"tenantId":    FakeAzureTenant,
		})
	},
	"azure-native:operationalinsights:Workspace": func(mi MockInfo) resource.PropertyMap {
		return props(map[string]any{
			"id":         armID(mi, "Microsoft.OperationalInsights/workspaces"),
			"customerId": uuidish("workspace:" + mi.Name),
		})
	},
	aksAPI + "ManagedCluster": func(mi MockInfo) resource.PropertyMap {
		version, _ := plainString(mi.Inputs, "kubernetesVersion")
		if strings.Count(version, ".") == 1 {
			version += ".4"
		}
		loc, _ := plainString(mi.Inputs, "location")
		return props(map[string]any{
			"id":                       armID(mi, "Microsoft.ContainerService/managedClusters"),
			"fqdn":                     fmt.Sprintf("%s-%s.hcp.%s.azmk8s.io", mi.PhysicalName(), hashHex("fqdn"+mi.Name, 8), loc),
			"currentKubernetesVersion": version,
			"nodeResourceGroup":        "MC_" + mi.PhysicalName() + "_" + loc,
			"oidcIssuerProfile": map[string]any{
				"enabled":   true,
				"issuerURL": fmt.Sprintf("https://%s.oic.prod-aks.azure.com/%s/%s/", loc, FakeAzureTenant, uuidish("oidc"+mi.Name)),
			},
			// AKS's own kubelet identity, in the node resource group.
			"identityProfile": map[string]any{"kubeletidentity": map[string]any{
				"clientId":   uuidish("kubelet-client" + mi.Name),
				"objectId":   uuidish("kubelet" + mi.Name),
				"resourceId": fmt.Sprintf("/subscriptions/%s/resourceGroups/MC_%s_%s/providers/Microsoft.ManagedIdentity/userAssignedIdentities/%s-agentpool", FakeAzureSubscription, mi.PhysicalName(), loc, mi.PhysicalName()),
			}},
			"provisioningState": "Succeeded",
		})
	},
	aksAPI + "AgentPool": func(mi MockInfo) resource.PropertyMap {
		cluster, _ := plainString(mi.Inputs, "resourceName")
		pool, _ := plainString(mi.Inputs, "agentPoolName")
		return props(map[string]any{
			"id":                armID(MockInfo{Name: cluster, Inputs: mi.Inputs}, "Microsoft.ContainerService/managedClusters") + "/agentPools/" + pool,
			"provisioningState": "Succeeded",
		})
	},
	"azure-native:storage:StorageAccount": func(mi MockInfo) resource.PropertyMap {
		name, ok := plainString(mi.Inputs, "accountName")
		if !ok {
			name = mi.PhysicalName()
		}
		ep := func(svc string) string { return fmt.Sprintf("https://%s.%s.core.windows.net/", name, svc) }
		return props(map[string]any{
			"id":   armID(MockInfo{Name: name, Inputs: mi.Inputs}, "Microsoft.Storage/storageAccounts"),
			"name": name,
			"primaryEndpoints": map[string]any{
				"blob": ep("blob"), "dfs": ep("dfs"), "file": ep("file"), "queue": ep("queue"), "table": ep("table"), "web": ep("web"),
			},
		})
	},
	"azure-native:storage:BlobContainer": func(mi MockInfo) resource.PropertyMap {
		name, ok := plainString(mi.Inputs, "containerName")
		if !ok {
			name = mi.PhysicalName()
		}
		out := map[string]any{"name": name}
		// The ARM id, so a role assignment scoped to the container is
		// recognisably one resource.
		if account, ok := plainString(mi.Inputs, "accountName"); ok {
			out["id"] = armID(MockInfo{Name: account, Inputs: mi.Inputs}, "Microsoft.Storage/storageAccounts") + "/blobServices/default/containers/" + name
		}
		return props(out)
	},
	"azure:redis/cache:Cache": func(mi MockInfo) resource.PropertyMap {
		name := mi.PhysicalName()
		key := func(which string) resource.PropertyValue {
			return resource.MakeSecret(resource.NewProperty(FakeAzureRedisKey(mi.Name, which)))
		}
		host := name + ".redis.cache.windows.net"
		out := props(map[string]any{
			"id":       classicID(mi, "Microsoft.Cache/redis"),
			"hostname": host,
			"port":     6379,
			"sslPort":  6380,
		})
		out["primaryAccessKey"] = key("primary")
		out["secondaryAccessKey"] = key("secondary")
		out["primaryConnectionString"] = resource.MakeSecret(resource.NewProperty(host + ":6380,password=" + key("primary").SecretValue().Element.StringValue() + ",ssl=True,abortConnect=False"))
		return out
	},
	"azure:cdn/frontdoorProfile:FrontdoorProfile": func(mi MockInfo) resource.PropertyMap {
		return props(map[string]any{"id": classicID(mi, "Microsoft.Cdn/profiles"), "resourceGuid": uuidish("afd" + mi.Name)})
	},
	"azure:cdn/frontdoorEndpoint:FrontdoorEndpoint": func(mi MockInfo) resource.PropertyMap {
		return props(map[string]any{"hostName": fmt.Sprintf("%s-%s.z01.azurefd.net", mi.PhysicalName(), hashAlnum("afd"+mi.Name, 16))})
	},
	"azure:cdn/frontdoorCustomDomain:FrontdoorCustomDomain": func(mi MockInfo) resource.PropertyMap {
		return props(map[string]any{"validationToken": hashAlnum("afd-validation"+mi.Name, 32)})
	},
}

var azureInvokes = map[string]InvokeFunc{
	// The deploying identity (the classic provider's client config).
	"azure:core/getClientConfig:getClientConfig": func(mi MockInfo) resource.PropertyMap {
		return props(map[string]any{
			"clientId":       uuidish("deployer-client"),
			"objectId":       uuidish("deployer-object"),
			"subscriptionId": FakeAzureSubscription,
			"tenantId":       FakeAzureTenant,
		})
	},
	// Asked for format=exec, AKS answers with kubelogin (Entra ID);
	// otherwise with the certificate-based kubeconfig of local accounts.
	aksAPI + "listManagedClusterUserCredentials": func(mi MockInfo) resource.PropertyMap {
		cluster, _ := plainString(mi.Inputs, "resourceName")
		kc := fakeKubeconfig(cluster, cluster+".hcp.azmk8s.io")
		if f, _ := plainString(mi.Inputs, "format"); f == "exec" {
			kc = fakeExecKubeconfig(cluster, cluster+".hcp.azmk8s.io")
		}
		return resource.PropertyMap{"kubeconfigs": resource.NewProperty([]resource.PropertyValue{
			resource.NewProperty(resource.PropertyMap{
				"name":  resource.NewProperty("clusterUser"),
				"value": resource.NewProperty(base64.StdEncoding.EncodeToString([]byte(kc))),
			}),
		})}
	},
}

// The Container Instances platform (azurePlatform aci): each container
// group's private address (deterministic, 10.0.0.0/8), Azure Firewall,
// its policy and Application Gateway.
func init() {
	computedOutputs["azure:containerservice/group:Group"] = func(mi MockInfo) resource.PropertyMap {
		h := hashBytes("aci-group" + mi.Name)
		return props(map[string]any{
			"id":        classicID(mi, "Microsoft.ContainerInstance/containerGroups"),
			"ipAddress": fmt.Sprintf("10.%d.%d.%d", h[0]%128, h[1], 4+int(h[2])%250),
			"fqdn":      "",
		})
	}
	computedOutputs["azure:network/firewallPolicy:FirewallPolicy"] = func(mi MockInfo) resource.PropertyMap {
		return props(map[string]any{"id": classicID(mi, "Microsoft.Network/firewallPolicies")})
	}
	computedOutputs["azure:network/firewallPolicyRuleCollectionGroup:FirewallPolicyRuleCollectionGroup"] = func(mi MockInfo) resource.PropertyMap {
		return props(map[string]any{"id": classicID(mi, "Microsoft.Network/firewallPolicies/ruleCollectionGroups")})
	}
	computedOutputs["azure:network/firewall:Firewall"] = func(mi MockInfo) resource.PropertyMap {
		return props(map[string]any{"id": classicID(mi, "Microsoft.Network/azureFirewalls"), "name": mi.PhysicalName()})
	}
	computedOutputs["azure:network/applicationGateway:ApplicationGateway"] = func(mi MockInfo) resource.PropertyMap {
		return props(map[string]any{"id": classicID(mi, "Microsoft.Network/applicationGateways"), "name": mi.PhysicalName()})
	}
}

// Azure Monitor's data collection endpoint and rule: the endpoint's logs
// ingestion host and the rule's immutable ID, in Azure's forms (a remote
// writer's URL is built from them).
func init() {
	computedOutputs["azure:monitoring/dataCollectionEndpoint:DataCollectionEndpoint"] = func(mi MockInfo) resource.PropertyMap {
		loc, _ := plainString(mi.Inputs, "location")
		return props(map[string]any{
			"logsIngestionEndpoint": fmt.Sprintf("https://%s-%s.%s-1.ingest.monitor.azure.com", strings.ToLower(mi.PhysicalName()), hashHex("dce"+mi.Name, 4), loc),
			"immutableId":           "dce-" + hashHex("dce-id"+mi.Name, 32),
		})
	}
	computedOutputs["azure:monitoring/dataCollectionRule:DataCollectionRule"] = func(mi MockInfo) resource.PropertyMap {
		return props(map[string]any{"immutableId": "dcr-" + hashHex("dcr-id"+mi.Name, 32)})
	}
}

// MockPrincipalID and MockClientID are the principal (object) and client
// IDs these mocks give the user-assigned identity named name (outputs the
// plan does not record).
func MockPrincipalID(name string) string { return uuidish("principal:" + name) }
func MockClientID(name string) string    { return uuidish("client:" + name) }

// FakeAzureRedisKey is the access key ("primary" or "secondary") the mock
// Azure Cache for Redis named cache returns: tests check which one a config
// carries.
func FakeAzureRedisKey(cache, which string) string {
	return fakeSecret(hashAlnum("redis-key:"+which+cache, 43)) + "="
}
