package config

import (
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
	"github.com/livekit-infra/livekit-infra/tests/internal/lkcheck"
)

// apiRule is one rule a cloud API enforces at create time, checked at plan
// time instead: set on a committed stack file, the value is refused naming
// key, and the error says want. Source is the cloud's documentation of the
// rule.
type apiRule struct {
	class, name string
	stack       string
	set         map[string]string
	key         string
	want        []string
	source      string
}

// TestCloudAPIRulesAtPlanTime records, per rule class, what each cloud
// would reject after minutes of `pulumi up`, so that `lkinfra plan`
// rejects it first.
func TestCloudAPIRulesAtPlanTime(t *testing.T) {
	rules := []apiRule{
		// --- windows ---
		{class: "windows", name: "ElastiCache maintenance window under 60 minutes", stack: "aws-prod",
			set: map[string]string{"awsRedisMaintenanceWindow": "sun:05:00-sun:05:30"},
			key: "awsRedisMaintenanceWindow", want: []string{`"sun:05:00-sun:05:30"`, "lasts 30 minutes", "at least 60"},
			source: "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html (PreferredMaintenanceWindow: minimum 60 minutes)"},
		{class: "windows", name: "ElastiCache snapshot window under 60 minutes", stack: "aws-prod",
			set: map[string]string{"awsRedisSnapshotWindow": "03:00-03:45"},
			key: "awsRedisSnapshotWindow", want: []string{`"03:00-03:45"`, "lasts 45 minutes"},
			source: "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/backups-automatic.html (backup window: minimum 60 minutes)"},
		{class: "windows", name: "ElastiCache snapshot window overlaps maintenance", stack: "aws-prod",
			set: map[string]string{"awsRedisMaintenanceWindow": "sun:03:30-sun:04:30", "awsRedisSnapshotWindow": "03:00-04:00"},
			key: "awsRedisSnapshotWindow", want: []string{`"03:00-04:00"`, "overlaps awsRedisMaintenanceWindow sun:03:30-sun:04:30"},
			source: "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html (SnapshotWindow must not overlap PreferredMaintenanceWindow)"},
		{class: "windows", name: "ElastiCache overlap across the week's end", stack: "aws-prod",
			set: map[string]string{"awsRedisMaintenanceWindow": "sat:23:30-sun:00:30", "awsRedisSnapshotWindow": "00:00-01:00"},
			key: "awsRedisSnapshotWindow", want: []string{"overlaps awsRedisMaintenanceWindow sat:23:30-sun:00:30"},
			source: "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html"},
		{class: "windows", name: "ElastiCache overlap: snapshot window across midnight", stack: "aws-prod",
			set: map[string]string{"awsRedisMaintenanceWindow": "wed:00:15-wed:01:15", "awsRedisSnapshotWindow": "23:30-00:30"},
			key: "awsRedisSnapshotWindow", want: []string{"overlaps"},
			source: "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html"},

		// --- retention ---
		{class: "retention", name: "CloudWatch Logs retention not in its list", stack: "aws-prod",
			set: map[string]string{"logRetentionDays": "45"}, key: "logRetentionDays", want: []string{"= 45", "CloudWatch Logs retention"},
			source: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html (retentionInDays: 1, 3, 5, 7, 14, 30, 60, 90, ...)"},
		{class: "retention", name: "ElastiCache snapshot retention above 35 days", stack: "aws-prod",
			set: map[string]string{"awsRedisSnapshotRetentionDays": "36"}, key: "awsRedisSnapshotRetentionDays", want: []string{"36", "from 0 to 35"},
			source: "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html (SnapshotRetentionLimit)"},

		// --- names and character sets ---
		{class: "names", name: "AWS Budgets name with a colon", stack: "aws-prod",
			set: map[string]string{"budgetName": "team:livekit"}, key: "budgetName", want: []string{`"team:livekit"`, "without ':'"},
			source: "https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_Budget.html (BudgetName: 1-100 characters, no ':' or '\\')"},
		{class: "names", name: "Cloud Billing budget display name over 60", stack: "gcp-eu",
			set: map[string]string{"budgetName": strings.Repeat("b", 61)}, key: "budgetName", want: []string{"at most 60 characters"},
			source: "https://cloud.google.com/billing/docs/reference/budget/rest/v1/billingAccounts.budgets (displayName: at most 60 characters)"},
		{class: "names", name: "Azure consumption budget name with a space", stack: "azure-asia",
			set: map[string]string{"budgetName": "lk budget"}, key: "budgetName", want: []string{`"lk budget"`},
			source: "https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftconsumption (budgets: 1-63 alphanumerics, underscores, hyphens)"},
		{class: "names", name: "owner label with capitals", stack: "gcp-eu",
			set: map[string]string{"owner": "Platform-Team"}, key: "owner", want: []string{`"Platform-Team"`},
			source: "https://cloud.google.com/resource-manager/docs/labels-overview#requirements (lowercase letters, digits, - and _; at most 63)"},
		{class: "names", name: "Docker Hub username", stack: "aws-prod",
			set: map[string]string{"dockerHubUsername": "Not A User"}, key: "dockerHubUsername", want: []string{`"Not A User"`},
			source: "https://docs.docker.com/docker-id/ (Docker ID: 4-30 lowercase letters and digits)"},

		// --- ports ---
		{class: "ports", name: "media UDP range beyond 65535", stack: "aws-prod",
			set: map[string]string{"mediaUdpPorts": "60000-70000"}, key: "mediaUdpPorts", want: []string{`"60000-70000"`},
			source: "https://www.rfc-editor.org/rfc/rfc768 (16-bit ports); security group rules take 0-65535: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html"},
		{class: "ports", name: "TURN TLS port beyond 65535", stack: "gcp-eu",
			set: map[string]string{"turnTlsPort": "70000"}, key: "turnTlsPort", want: []string{"70000"},
			source: "https://cloud.google.com/compute/docs/reference/rest/v1/firewalls (allowed[].ports: 0-65535)"},

		// --- CIDR sizes per service ---
		{class: "cidrs", name: "VPC larger than /16", stack: "aws-prod",
			set: map[string]string{"awsVpcCidr": "10.0.0.0/8"}, key: "awsVpcCidr", want: []string{`"10.0.0.0/8"`, "/16 to /24"},
			source: "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html (IPv4 VPC CIDR: /16 to /28)"},
		{class: "cidrs", name: "GKE services range larger than /16", stack: "gcp-eu",
			set: map[string]string{"gcpServicesCidr": "10.32.0.0/12"}, key: "gcpServicesCidr", want: []string{`"10.32.0.0/12"`},
			source: "https://cloud.google.com/kubernetes-engine/docs/concepts/alias-ips#cluster_sizing_secondary_range_svcs (services range: /16 to /27)"},
		{class: "cidrs", name: "private service access smaller than /24", stack: "gcp-eu",
			set: map[string]string{"gcpPrivateServiceCidr": "10.60.0.0/25"}, key: "gcpPrivateServiceCidr", want: []string{`"10.60.0.0/25"`},
			source: "https://cloud.google.com/vpc/docs/configure-private-services-access#allocating-range (at least /24)"},
		{class: "cidrs", name: "AKS overlay pod CIDR smaller than /20", stack: "azure-asia",
			set: map[string]string{"azurePodCidr": "10.244.0.0/22"}, key: "azurePodCidr", want: []string{`"10.244.0.0/22"`},
			source: "https://learn.microsoft.com/azure/aks/azure-cni-overlay (pod CIDR sizing)"},

		// --- SKU and family combinations ---
		{class: "skus", name: "Azure Redis Premium with family C", stack: "azure-asia",
			set: map[string]string{"azureRedisSku": "Premium", "azureRedisFamily": "C"}, key: "azureRedisFamily", want: []string{`"C"`, "must be P for azureRedisSku Premium"},
			source: "https://learn.microsoft.com/rest/api/redis/redis/create (sku.family: C for Basic/Standard, P for Premium)"},
		{class: "skus", name: "Azure Redis P6 does not exist", stack: "azure-asia",
			set: map[string]string{"azureRedisSku": "Premium", "azureRedisFamily": "P", "azureRedisCapacity": "6"}, key: "azureRedisCapacity", want: []string{"must be 1-5 for the P family"},
			source: "https://azure.microsoft.com/pricing/details/cache/ (Premium: P1-P5)"},
		{class: "skus", name: "Fargate 4 vCPU with 4 GB", stack: "aws-prod",
			set: map[string]string{"awsTaskCpu": "4096", "awsTaskMemory": "4096"}, key: "awsTaskMemory", want: []string{"4096"},
			source: "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#task_size (4 vCPU: 8-30 GB)"},
		{class: "skus", name: "CloudFront price class", stack: "aws-prod",
			set: map[string]string{"awsCloudfrontPriceClass": "PriceClass_50"}, key: "awsCloudfrontPriceClass", want: []string{`"PriceClass_50"`},
			source: "https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DistributionConfig.html (PriceClass_100 | PriceClass_200 | PriceClass_All)"},
		{class: "skus", name: "pod too big for the AKS VM", stack: "azure-asia",
			set: map[string]string{"azurePodCpu": "8", "azureVmSize": "Standard_D4s_v3"}, key: "azurePodCpu", want: []string{`"8"`, "Standard_D4s_v3"},
			source: "https://learn.microsoft.com/azure/aks/node-resource-reservations (allocatable = capacity - kube and system reservations)"},
		{class: "skus", name: "pod too big for the GKE machine", stack: "gcp-eu",
			set: map[string]string{"gcpPodCpu": "4", "gcpMachineType": "n2-standard-4"}, key: "gcpPodCpu", want: []string{`"4"`, "n2-standard-4"},
			source: "https://cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes (allocatable resources)"},

		// --- version lists ---
		{class: "versions", name: "ElastiCache Redis 5", stack: "aws-prod",
			set: map[string]string{"awsRedisEngineVersion": "5.0.6"}, key: "awsRedisEngineVersion", want: []string{`"5.0.6"`, "6.2, 7.0, 7.1"},
			source: "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/supported-engine-versions.html"},
		{class: "versions", name: "Memorystore Redis 6", stack: "gcp-eu",
			set: map[string]string{"gcpRedisVersion": "REDIS_6_X"}, key: "gcpRedisVersion", want: []string{`"REDIS_6_X"`, "REDIS_7_0, REDIS_7_2"},
			source: "https://cloud.google.com/memorystore/docs/redis/supported-versions"},
		{class: "versions", name: "GKE release channel", stack: "gcp-eu",
			set: map[string]string{"gcpReleaseChannel": "NIGHTLY"}, key: "gcpReleaseChannel", want: []string{`"NIGHTLY"`},
			source: "https://cloud.google.com/kubernetes-engine/docs/concepts/release-channels"},
		{class: "versions", name: "EKS version unpinned", stack: "aws-eks",
			set: map[string]string{"awsEksKubernetesVersion": "latest"}, key: "awsEksKubernetesVersion", want: []string{`"latest"`, "1.MINOR"},
			source: "https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html"},
		{class: "versions", name: "AKS tier", stack: "azure-asia",
			set: map[string]string{"azureAksTier": "Gold"}, key: "azureAksTier", want: []string{`"Gold"`, "Free, Standard, Premium"},
			source: "https://learn.microsoft.com/azure/aks/free-standard-pricing-tiers"},

		// --- keys: case, kind ---
		{class: "keys", name: "wrong case", stack: "aws-prod",
			set: map[string]string{"awsTaskCPU": "4096"}, key: "awsTaskCPU", want: []string{"did you mean livekit-infra:awsTaskCpu"},
			source: "https://www.pulumi.com/docs/iac/concepts/config/ (keys are case-sensitive)"},
		{class: "keys", name: "key of another kind", stack: "aws-prod",
			set: map[string]string{"gcpMachineType": "n2-standard-8"}, key: "gcpMachineType", want: []string{"gcp"},
			source: "this product: each key belongs to the kinds in internal/stackconfig's key table"},
	}

	classes := map[string]int{}
	for _, r := range rules {
		classes[r.class]++
		if r.source == "" {
			t.Fatalf("rule %q has no source", r.name)
		}
	}
	for _, c := range []string{"windows", "retention", "names", "ports", "cidrs", "skus", "versions", "keys"} {
		if classes[c] == 0 {
			t.Errorf("no rule of class %s", c)
		}
	}

	for _, r := range rules {
		t.Run(r.class+"/"+r.name, func(t *testing.T) {
			sc, raw := lkcheck.StackRaw(t, repoRoot, r.stack)
			for k, v := range r.set {
				raw.Values[ns+k] = v
			}
			_, err := stackconfig.Parse(sc.Stack, raw)
			if err == nil {
				t.Fatalf("%s accepted %v (%s)", r.stack, r.set, r.source)
			}
			found := false
			for _, p := range problems(t, err) {
				if p.Key == ns+r.key {
					found = true
				}
			}
			if !found {
				t.Fatalf("no problem names %s%s:\n%v", ns, r.key, err)
			}
			for _, w := range r.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestElastiCacheWindowsAccepted: windows that touch but do not overlap,
// and windows across midnight, are what ElastiCache accepts.
func TestElastiCacheWindowsAccepted(t *testing.T) {
	for _, c := range []struct{ maint, snap string }{
		{"sun:04:00-sun:05:00", "03:00-04:00"}, // back to back
		{"sun:05:00-sun:06:00", "03:00-04:00"}, // the defaults
		{"sat:23:00-sun:01:00", "02:00-03:00"}, // across the week's end
		{"tue:10:00-tue:11:00", "23:00-01:00"}, // snapshot across midnight
	} {
		sc, raw := lkcheck.StackRaw(t, repoRoot, "aws-prod")
		raw.Values[ns+"awsRedisMaintenanceWindow"] = c.maint
		raw.Values[ns+"awsRedisSnapshotWindow"] = c.snap
		if _, err := stackconfig.Parse(sc.Stack, raw); err != nil {
			t.Errorf("%s with %s: %v", c.maint, c.snap, err)
		}
	}
}
