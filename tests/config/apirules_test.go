package config

import (
	"fmt"
	"os"
	"regexp"
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
	// secret marks the set keys as set with --secret (secret keys refuse
	// plain text before their rules are checked).
	secret bool
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
		{class: "retention", name: "S3 transition to STANDARD_IA before 30 days", stack: "aws-prod",
			set: map[string]string{"recordingsTransitionDays": "10"}, key: "recordingsTransitionDays", want: []string{"10", "at least 30"},
			source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html (STANDARD_IA: objects at least 30 days old)"},
		{class: "retention", name: "Fargate stopTimeout above 120 s", stack: "aws-prod",
			set: map[string]string{"awsDrainSeconds": "200"}, key: "awsDrainSeconds", want: []string{`"200"`, "2 to 120"},
			source: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html (stopTimeout: at most 120 s on Fargate)"},
		{class: "retention", name: "Route 53 health check interval", stack: "global",
			set: map[string]string{"globalHealthCheckInterval": "20"}, key: "globalHealthCheckInterval", want: []string{"10 or 30"},
			source: "https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html (RequestInterval: 10 or 30)"},
		{class: "retention", name: "Route 53 failure threshold above 10", stack: "global",
			set: map[string]string{"globalHealthCheckFailureThreshold": "11"}, key: "globalHealthCheckFailureThreshold", want: []string{`"11"`, "1 to 10"},
			source: "https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html (FailureThreshold: 1-10)"},
		{class: "retention", name: "ALB idle timeout above 4000 s", stack: "aws-prod",
			set: map[string]string{"awsAlbIdleTimeout": "5000"}, key: "awsAlbIdleTimeout", want: []string{`"5000"`, "4000"},
			source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancerAttribute.html (idle_timeout.timeout_seconds: 1-4000)"},
		{class: "retention", name: "Azure budget not starting on the first", stack: "azure-asia",
			set: map[string]string{"azureBudgetStartDate": "2026-01-15"}, key: "azureBudgetStartDate", want: []string{`"2026-01-15"`, "first of a month"},
			source: "https://learn.microsoft.com/rest/api/consumption/budgets/create-or-update (timePeriod.startDate: the first of a month)"},

		// --- names and character sets ---
		{class: "names", name: "ElastiCache AUTH token with a special character it refuses", stack: "aws-prod",
			set: map[string]string{"redisPassword": "abcdefgh*ijklmnop%q"}, secret: true,
			key: "redisPassword", want: []string{"[secret]", "only letters, digits and ! & # $ ^ < > -"},
			source: "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html (AuthToken: the only permitted printable special characters are !, &, #, $, ^, <, >, and -)"},
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
		{class: "names", name: "hostname label over 63 characters", stack: "aws-prod",
			set: map[string]string{"hostname": strings.Repeat("a", 64) + ".example.com"}, key: "hostname", want: []string{"example.com"},
			source: "https://www.rfc-editor.org/rfc/rfc1035#section-2.3.4 (labels: 63 octets); Route 53 and ACM refuse longer labels"},
		{class: "names", name: "AWS Budgets notifications above 10", stack: "aws-prod",
			set: map[string]string{"budgetThresholds": "[10,20,30,40,50,60,70,80,90,100,110]"},
			key: "budgetThresholds", want: []string{"11 thresholds", "at most 10 for kind aws"},
			source: "https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_Notification.html (a budget can have up to ten notifications; one per threshold here)"},
		{class: "names", name: "AWS Budgets email subscribers above 10", stack: "aws-prod",
			set: map[string]string{"budgetEmails": `["a@x.io","b@x.io","c@x.io","d@x.io","e@x.io","f@x.io","g@x.io","h@x.io","i@x.io","j@x.io","k@x.io"]`},
			key: "budgetEmails", want: []string{"at most 10"},
			source: "https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_NotificationWithSubscribers.html (Subscribers: at most 10)"},
		{class: "names", name: "AWS Budgets currency other than USD", stack: "aws-prod",
			set: map[string]string{"budgetCurrency": "EUR"}, key: "budgetCurrency", want: []string{`"EUR"`, "USD"},
			source: "https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_Spend.html (cost budgets in USD)"},
		{class: "names", name: "Route 53 health checker region", stack: "global",
			set: map[string]string{"globalHealthCheckRegions": `["us-east-1","eu-west-1","mars-1"]`}, key: "globalHealthCheckRegions", want: []string{`"mars-1"`},
			source: "https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html (Regions: the listed checker regions, at least 3)"},
		{class: "names", name: "Route 53 fewer than 3 checker regions", stack: "global",
			set: map[string]string{"globalHealthCheckRegions": `["us-east-1","eu-west-1"]`}, key: "globalHealthCheckRegions", want: []string{"at least 3"},
			source: "https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html (Regions: minimum 3)"},

		// --- ports ---
		{class: "ports", name: "media UDP range beyond 65535", stack: "aws-prod",
			set: map[string]string{"mediaUdpPorts": "60000-70000"}, key: "mediaUdpPorts", want: []string{`"60000-70000"`},
			source: "https://www.rfc-editor.org/rfc/rfc768 (16-bit ports); security group rules take 0-65535: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html"},
		{class: "ports", name: "TURN TLS port beyond 65535", stack: "gcp-eu",
			set: map[string]string{"turnTlsPort": "70000"}, key: "turnTlsPort", want: []string{"70000"},
			source: "https://cloud.google.com/compute/docs/reference/rest/v1/firewalls (allowed[].ports: 0-65535)"},
		{class: "ports", name: "media UDP range into privileged ports", stack: "aws-prod",
			set: map[string]string{"mediaUdpPorts": "0-100"}, key: "mediaUdpPorts", want: []string{`"0-100"`},
			source: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html (0-65535); LiveKit binds them unprivileged"},
		{class: "ports", name: "TURN UDP port beyond 65535", stack: "aws-prod",
			set: map[string]string{"turnUdpPort": "70000"}, key: "turnUdpPort", want: []string{`"70000"`},
			source: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_PortMapping.html (containerPort: 1-65535)"},
		{class: "ports", name: "ACI ICE/TCP ports beyond 65535", stack: "azure-aci",
			set: map[string]string{"azureAciTcpPortBase": "65530", "azureAciGroups": "10"}, key: "azureAciTcpPortBase", want: []string{`"65530"`},
			source: "https://learn.microsoft.com/rest/api/container-instances/container-groups/create-or-update (ports[].port: 1-65535)"},

		// --- CIDR sizes per service ---
		{class: "cidrs", name: "VPC larger than /16", stack: "aws-prod",
			set: map[string]string{"awsVpcCidr": "10.0.0.0/8"}, key: "awsVpcCidr", want: []string{`"10.0.0.0/8"`, "/16 to /23"},
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
		{class: "cidrs", name: "VPC smaller than the six subnets", stack: "aws-prod",
			set: map[string]string{"awsVpcCidr": "10.0.0.0/29"}, key: "awsVpcCidr", want: []string{`"10.0.0.0/29"`},
			source: "https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html (subnets /16 to /28, five addresses reserved each)"},
		{class: "cidrs", name: "GKE pods range smaller than /21", stack: "gcp-eu",
			set: map[string]string{"gcpPodsCidr": "10.0.0.0/25"}, key: "gcpPodsCidr", want: []string{`"10.0.0.0/25"`, "/9 to /21"},
			source: "https://cloud.google.com/kubernetes-engine/docs/concepts/alias-ips#cluster_sizing_secondary_range_pods (pods range: /9 to /21)"},
		{class: "cidrs", name: "GCP subnet too small", stack: "gcp-eu",
			set: map[string]string{"gcpNetworkCidr": "10.0.0.0/30"}, key: "gcpNetworkCidr", want: []string{`"10.0.0.0/30"`},
			source: "https://cloud.google.com/vpc/docs/subnets#valid-ranges (primary range: /8 to /29)"},
		{class: "cidrs", name: "AKS service CIDR larger than /12", stack: "azure-asia",
			set: map[string]string{"azureServiceCidr": "10.0.0.0/8"}, key: "azureServiceCidr", want: []string{`"10.0.0.0/8"`, "/12"},
			source: "https://learn.microsoft.com/azure/aks/configure-azure-cni#plan-ip-addressing-for-your-cluster (service CIDR: at most /12)"},
		{class: "cidrs", name: "Azure VNet too small", stack: "azure-asia",
			set: map[string]string{"azureVnetCidr": "10.0.0.0/29"}, key: "azureVnetCidr", want: []string{`"10.0.0.0/29"`},
			source: "https://learn.microsoft.com/azure/virtual-network/virtual-networks-faq#how-small-and-how-large-can-virtual-networks-and-subnets-be (subnets /2 to /29; this VNet holds four)"},
		{class: "cidrs", name: "EKS public access CIDRs above 40", stack: "aws-eks",
			set: map[string]string{"awsEksPublicAccessCidrs": cidrList(41)}, key: "awsEksPublicAccessCidrs", want: []string{"41 CIDRs", "at most 40"},
			source: "https://docs.aws.amazon.com/eks/latest/userguide/service-quotas.html (public endpoint access CIDR ranges per cluster: 40)"},
		{class: "cidrs", name: "GKE authorized networks above 50", stack: "gcp-eu",
			set: map[string]string{"gcpMasterAuthorizedNetworks": cidrList(51)}, key: "gcpMasterAuthorizedNetworks", want: []string{"at most 50"},
			source: "https://cloud.google.com/kubernetes-engine/docs/how-to/authorized-networks (up to 50 CIDRs with the public endpoint)"},
		{class: "cidrs", name: "AKS authorized IP ranges above 200", stack: "azure-asia",
			set: map[string]string{"azureApiAuthorizedIpRanges": cidrList(201)}, key: "azureApiAuthorizedIpRanges", want: []string{"at most 200"},
			source: "https://learn.microsoft.com/azure/aks/api-server-authorized-ip-ranges (up to 200 ranges)"},
		{class: "cidrs", name: "VPC whose public subnets are below the ALB's /27", stack: "aws-prod",
			set: map[string]string{"awsVpcCidr": "10.0.0.0/24"}, key: "awsVpcCidr", want: []string{`"10.0.0.0/24"`, "/16 to /23", "at least /27"},
			source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#subnets-load-balancer (subnets of at least /27 with 8 free addresses; the public subnets are sixteenths of the VPC)"},
		{class: "cidrs", name: "Fargate tasks beyond the public subnets", stack: "aws-prod",
			set: map[string]string{"awsVpcCidr": "10.0.0.0/23", "maxNodes": "1000"}, key: "maxNodes", want: []string{"= 1000", "three /27s", "200%", "at most maxNodes 21", "larger awsVpcCidr, e.g. a /18"},
			source: "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-task-networking.html (one ENI, one subnet address, per task); https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html (five addresses reserved per subnet)"},
		{class: "cidrs", name: "Fargate Egress tasks leave no room for minNodes", stack: "aws-prod",
			set: map[string]string{"awsVpcCidr": "10.0.0.0/23", "egressMaxInstances": "30"}, key: "egressMaxInstances", want: []string{"= 30", "minNodes 3", "at most egressMaxInstances 22"},
			source: "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-task-networking.html (Egress tasks take public-subnet ENIs too); https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html"},
		{class: "cidrs", name: "EKS nodes beyond the public subnets", stack: "aws-eks",
			set: map[string]string{"awsVpcCidr": "10.40.0.0/20", "maxNodes": "100"}, key: "maxNodes", want: []string{"= 100", "30 addresses a node", "at most maxNodes 15"},
			source: "https://docs.aws.amazon.com/eks/latest/userguide/managed-node-update-behavior.html (up to two new nodes per zone); https://github.com/aws/amazon-vpc-cni-k8s/blob/master/docs/eni-and-ip-target.md (WARM_ENI_TARGET=1 keeps a spare ENI of addresses)"},
		{class: "cidrs", name: "EKS Egress and system nodes beyond the private subnets", stack: "aws-eks",
			set: map[string]string{"awsVpcCidr": "10.40.0.0/21", "minNodes": "2", "maxNodes": "3"}, key: "egressMaxInstances",
			want:   []string{"= 4", "private subnets (three /25s", "4 Egress nodes (c6i.2xlarge, 30 addresses each", "e.g. a /20"},
			source: "https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html (5 reserved a subnet); https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html (control plane interfaces in the cluster's subnets); https://github.com/aws/amazon-vpc-cni-k8s/blob/master/docs/eni-and-ip-target.md (WARM_ENI_TARGET=1)"},
		{class: "cidrs", name: "AWS zones other than three", stack: "aws-prod",
			set: map[string]string{"awsAvailabilityZones": `["us-east-1a"]`}, key: "awsAvailabilityZones", want: []string{"exactly 3"},
			source: "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/AutoFailover.html (Multi-AZ needs subnets in several zones; the ALB needs two)"},

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
		{class: "skus", name: "pod too big for the EKS instance (CPU after reservations)", stack: "aws-eks",
			set: map[string]string{"awsEksPodCpu": "4"}, key: "awsEksPodCpu", want: []string{`"4"`, "c6i.xlarge", "EKS's reservations"},
			source: "https://docs.aws.amazon.com/eks/latest/userguide/choosing-instance-type.html (kube-reserved by the EKS AMI: CPU tiers, 11 MiB x max pods + 255 MiB)"},
		{class: "skus", name: "pod too big for the EKS instance (memory after reservations)", stack: "aws-eks",
			set: map[string]string{"awsEksPodMemory": "8Gi", "awsEksInstanceType": "c6i.xlarge"}, key: "awsEksPodMemory", want: []string{`"8Gi"`, "c6i.xlarge"},
			source: "https://github.com/awslabs/amazon-eks-ami (kubelet kube-reserved memory: 11 x maxPods + 255 MiB; eviction memory.available<100Mi)"},
		{class: "skus", name: "Egress pod too big for the GKE Egress machine", stack: "gcp-eu",
			set: map[string]string{"gcpEgressMachineType": "n2-standard-4"}, key: "egressPodCpu", want: []string{"n2-standard-4", "GKE's reservations"},
			source: "https://cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes (allocatable resources)"},
		{class: "skus", name: "Egress pod too big for the AKS Egress VM", stack: "azure-asia",
			set: map[string]string{"azureEgressVmSize": "Standard_D4s_v3"}, key: "egressPodCpu", want: []string{"Standard_D4s_v3", "AKS"},
			source: "https://learn.microsoft.com/azure/aks/node-resource-reservations (allocatable = capacity - kube and system reservations)"},
		{class: "skus", name: "Fargate Egress 4 vCPU with 4 GB", stack: "aws-prod",
			set: map[string]string{"awsEgressTaskCpu": "4096", "awsEgressTaskMemory": "4096"}, key: "awsEgressTaskMemory", want: []string{"8192-30720"},
			source: "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#task_size (4 vCPU: 8-30 GB)"},
		{class: "skus", name: "ElastiCache node type", stack: "aws-prod",
			set: map[string]string{"awsRedisNodeType": "m5.large"}, key: "awsRedisNodeType", want: []string{`"m5.large"`, "cache."},
			source: "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheNodes.SupportedTypes.html"},
		{class: "skus", name: "ElastiCache replicas above 5", stack: "aws-prod",
			set: map[string]string{"awsRedisNodes": "7"}, key: "awsRedisNodes", want: []string{`"7"`, "2 to 6"},
			source: "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html (NumCacheClusters: at most 6)"},
		{class: "skus", name: "ALB TLS 1.0 policy", stack: "aws-prod",
			set: map[string]string{"awsAlbSslPolicy": "ELBSecurityPolicy-TLS-1-0-2015-04"}, key: "awsAlbSslPolicy", want: []string{"ELBSecurityPolicy-TLS13-1-2-2021-06"},
			source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html (this product: TLS 1.2+ policies only)"},
		{class: "skus", name: "capacity provider weight above 1000", stack: "aws-prod",
			set: map[string]string{"awsFargateSpotWeight": "1001"}, key: "awsFargateSpotWeight", want: []string{`"1001"`, "0 to 1000"},
			source: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html (weight: 0-1000, base: 0-100000)"},
		{class: "skus", name: "capacity provider base above 100000", stack: "aws-prod",
			set: map[string]string{"awsFargateOnDemandBase": "100001"}, key: "awsFargateOnDemandBase", want: []string{`"100001"`, "0 to 100000"},
			source: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html (base: 0-100000)"},
		{class: "skus", name: "Memorystore above 300 GB", stack: "gcp-eu",
			set: map[string]string{"gcpRedisMemoryGb": "301"}, key: "gcpRedisMemoryGb", want: []string{`"301"`, "1 to 300"},
			source: "https://cloud.google.com/memorystore/docs/redis/redis-tiers (capacity 1-300 GB)"},
		{class: "skus", name: "GKE boot disk below the minimum", stack: "gcp-eu",
			set: map[string]string{"gcpDiskSizeGb": "5"}, key: "gcpDiskSizeGb", want: []string{`"5"`},
			source: "https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/NodeConfig (diskSizeGb: at least 10)"},
		{class: "skus", name: "AKS max pods above 250", stack: "azure-asia",
			set: map[string]string{"azureMaxPods": "300"}, key: "azureMaxPods", want: []string{`"300"`, "10 to 250"},
			source: "https://learn.microsoft.com/azure/aks/azure-cni-overlay#maximum-pods-per-node (10-250)"},
		{class: "skus", name: "Azure storage SKU", stack: "azure-asia",
			set: map[string]string{"azureStorageSku": "Premium_XYZ"}, key: "azureStorageSku", want: []string{`"Premium_XYZ"`, "Standard_ZRS"},
			source: "https://learn.microsoft.com/rest/api/storagerp/storage-accounts/create (sku.name)"},
		{class: "skus", name: "Azure Redis capacity above 6", stack: "azure-asia",
			set: map[string]string{"azureRedisSku": "Basic", "azureRedisFamily": "C", "azureRedisCapacity": "7"}, key: "azureRedisCapacity", want: []string{`"7"`},
			source: "https://learn.microsoft.com/rest/api/redis/redis/create (sku.capacity: C 0-6, P 1-5)"},
		{class: "skus", name: "ACI group above 4 vCPU", stack: "azure-aci",
			set: map[string]string{"azureAciCpu": "5"}, key: "azureAciCpu", want: []string{`"5"`, "1 to 4"},
			source: "https://learn.microsoft.com/azure/container-instances/container-instances-resource-and-quota-limits (Linux, VNet: 4 vCPU, 16 GB per group)"},
		{class: "skus", name: "ACI group above 16 GB", stack: "azure-aci",
			set: map[string]string{"azureAciMemoryGb": "17"}, key: "azureAciMemoryGb", want: []string{`"17"`, "1 to 16"},
			source: "https://learn.microsoft.com/azure/container-instances/container-instances-resource-and-quota-limits"},
		{class: "skus", name: "ACI Egress group above 4 vCPU", stack: "azure-aci",
			set: map[string]string{"azureAciEgressCpu": "8"}, key: "azureAciEgressCpu", want: []string{"8", "at most 4 vCPU and 16 GB"},
			source: "https://learn.microsoft.com/azure/container-instances/container-instances-resource-and-quota-limits (Linux, VNet: 4 vCPU, 16 GB per group)"},
		{class: "skus", name: "ACI Egress group above 16 GB", stack: "azure-aci",
			set: map[string]string{"azureAciEgressMemoryGb": "32"}, key: "azureAciEgressMemoryGb", want: []string{"32", "5-16", "16 GB"},
			source: "https://learn.microsoft.com/azure/container-instances/container-instances-resource-and-quota-limits"},
		{class: "skus", name: "pod memory too big for the GKE machine", stack: "gcp-eu",
			set: map[string]string{"gcpPodMemory": "30Gi", "gcpMachineType": "n2-standard-8"}, key: "gcpPodMemory", want: []string{`"30Gi"`, "n2-standard-8"},
			source: "https://cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes (allocatable memory)"},
		{class: "skus", name: "pod memory too big for the AKS VM", stack: "azure-asia",
			set: map[string]string{"azurePodMemory": "16Gi", "azureVmSize": "Standard_D4s_v3"}, key: "azurePodMemory", want: []string{`"16Gi"`, "Standard_D4s_v3"},
			source: "https://learn.microsoft.com/azure/aks/node-resource-reservations"},
		{class: "skus", name: "autoscaling max below min", stack: "aws-prod",
			set: map[string]string{"minNodes": "4", "maxNodes": "3"}, key: "maxNodes", want: []string{"at least minNodes"},
			source: "https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html (MaxCapacity >= MinCapacity); GKE and AKS node pools the same"},
		{class: "skus", name: "Egress autoscaling max below min", stack: "gcp-eu",
			set: map[string]string{"egressMinInstances": "4", "egressMaxInstances": "2"}, key: "egressMaxInstances", want: []string{"at least egressMinInstances"},
			source: "https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters.nodePools#NodePoolAutoscaling (totalMaxNodeCount >= totalMinNodeCount)"},

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
		{class: "versions", name: "GKE version not a GKE version", stack: "gcp-eu",
			set: map[string]string{"gcpKubernetesVersion": "latest"}, key: "gcpKubernetesVersion", want: []string{`"latest"`},
			source: "https://cloud.google.com/kubernetes-engine/versioning"},
		{class: "versions", name: "AKS version unpinned", stack: "azure-asia",
			set: map[string]string{"azureKubernetesVersion": "latest"}, key: "azureKubernetesVersion", want: []string{`"latest"`, "1.MINOR"},
			source: "https://learn.microsoft.com/azure/aks/supported-kubernetes-versions"},

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
				if r.secret {
					raw.Secret[ns+k] = true
				}
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

// TestElastiCacheAuthTokenAccepted: tokens made of what CreateReplicationGroup
// allows (letters, digits, ! & # $ ^ < > -), 16 to 128 long, pass.
func TestElastiCacheAuthTokenAccepted(t *testing.T) {
	for _, tok := range []string{
		"Ab1!&#$^<>-Ab1!&#",      // every permitted special character
		strings.Repeat("0f", 24), // openssl rand -hex 24, as docs/aws.md suggests
		strings.Repeat("a", 128),
	} {
		sc, raw := lkcheck.StackRaw(t, repoRoot, "aws-prod")
		raw.Values[ns+"redisPassword"] = tok
		raw.Secret[ns+"redisPassword"] = true
		if _, err := stackconfig.Parse(sc.Stack, raw); err != nil {
			t.Errorf("a %d-character token refused: %v", len(tok), err)
		}
	}
}

// cidrList is a JSON list of n distinct /32s.
func cidrList(n int) string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%q", fmt.Sprintf("198.51.%d.%d/32", i/250, i%250+1))
	}
	return "[" + strings.Join(out, ",") + "]"
}

// noCreateTimeRule lists the keys without a row in the API rules table,
// grouped by why: the value feeds no resource property a cloud API
// constrains beyond its type, or the rule is checked under another key's
// row. Booleans are switches and need no entry. A new key must land in the
// table or here (TestEveryKeyHasAPIRuleOrReason).
var noCreateTimeRule = map[string][]string{
	"the central view's wiring: its form (an https AMP remote-write URL, an IAM role ARN, both or neither) is checked at plan time in tests/config/centralmetrics_test.go; the role's trust is the global stack's": {
		"centralMetricsRemoteWriteUrl", "centralMetricsWriterRoleArn"},
	"the EKS Egress node's instance type: its name and the Egress pod's fit after EKS's reservations are checked at plan time (tests/config/egresssettings_test.go); which types a region offers is not known offline": {
		"awsEksEgressInstanceType"},
	"secrets and key material: checked for form in tests/config/credentials_test.go; no API constrains them beyond length": {
		"apiKey", "apiSecret", "apiKeys", "apiSigningKey", "dockerHubAccessToken"},
	"chart and image pins: no cloud API reads them; exact chart versions are checked in tests/config/chartpins_test.go, image digests in tests/config/settings_test.go": {
		"awsEksClusterAutoscalerChartVersion", "awsEksLivekitChartVersion", "awsEksLoadBalancerControllerChartVersion",
		"azureCertManagerChartVersion", "azureTraefikChartVersion", "azureLivekitChartVersion", "gcpLivekitChartVersion",
		"egressChartVersion", "image", "egressImage"},
	"LiveKit's own settings: judged by LiveKit's parser (tests/config/livekit_test.go), not by a cloud API": {
		"logLevel", "maxParticipants", "emptyTimeout", "sysloadLimitPercent"},
	"closed lists of this product (kind, platform, mode, which Redis key), refused by name when unknown (tests/config/kinds_test.go)": {
		"kind", "awsPlatform", "azurePlatform", "gcpPlatform", "egress", "globalRoutingMode", "awsNatGateways", "azureAcmeServer", "azureRedisAccessKey"},
	"alarm thresholds and addresses: metric alarms and subscriptions take any number or address; bounds and forms are this product's (tests/config/alerts_test.go)": {
		"alertEmails", "alertWebhookUrl", "alertRedisMemoryPercent", "alertRedisCpuPercent", "alertLb5xxPerMinute", "globalAlarmEmail", "azureAcmeEmail"},
	"budgets: amounts and thresholds per cloud are checked in tests/config/budget_test.go": {
		"budgetMonthlyAmount", "gcpBillingAccount"},
	"autoscaling targets, cooldowns and lower bounds: the APIs take any non-negative value; the max-below-min rule is the maxNodes and egressMaxInstances rows": {
		"cpuTarget", "egressCpuTarget", "scaleInCooldown", "scaleOutCooldown", "minNodes", "egressMinInstances",
		"awsFargateOnDemandWeight", "awsEksSystemNodes", "azureSystemNodes", "azureAciGroups", "azureAciEgressGroups"},
	"graceful drain on Kubernetes: terminationGracePeriodSeconds has no API maximum (Fargate's 120 s is the awsDrainSeconds row)": {
		"awsEksDrainSeconds", "azureDrainSeconds", "gcpDrainSeconds"},
	"machine sizes: matched against the cloud's naming; whether the pod fits is the pod keys' rows (awsEksPodCpu, azurePodCpu, gcpPodCpu, egressPodCpu, awsTaskMemory, awsEgressTaskMemory)": {
		"awsEksInstanceType", "awsEksSystemInstanceType", "azureVmSize", "azureSystemVmSize", "gcpEgressMachineType", "azureEgressVmSize",
		"awsTaskCpu", "awsEgressTaskCpu", "egressPodMemory", "azureRedisSku"},
	"DNS names, zones, regions and stack references: checked against each other (a hostname inside its zone, regions the provider knows) in tests/config/settings_test.go and tests/config/turnstacks_test.go": {
		"domain", "zoneId", "globalHostname", "turnHostname", "credentialsStack", "globalRegions", "gcpDnsAwsRegion",
		"azureAvailabilityZones", "azureAciCertificateSecretId"},
	"timing of this product's failover and recovery: no API rule (Route 53's TTL takes 0 to 2^31-1); bounds are the RTO's (tests/global)": {
		"globalTtl", "globalRtoSeconds", "awsRedisOutageToleranceSeconds", "recordingsExpireDays"},
}

// TestEveryKeyHasAPIRuleOrReason: every non-boolean key has a row in the
// API rules table or a reason in noCreateTimeRule, and no key has both.
func TestEveryKeyHasAPIRuleOrReason(t *testing.T) {
	src, err := os.ReadFile("apirules_test.go")
	if err != nil {
		t.Fatal(err)
	}
	inTable := map[string]bool{}
	for _, m := range regexp.MustCompile(`key: "([A-Za-z0-9]+)"`).FindAllStringSubmatch(string(src), -1) {
		inTable[m[1]] = true
	}
	reason := map[string]string{}
	for why, keys := range noCreateTimeRule {
		for _, k := range keys {
			if _, known := stackconfig.KeyByName(k); !known {
				t.Errorf("noCreateTimeRule names %q, which is not a key", k)
			}
			if inTable[k] {
				t.Errorf("%s has a row in the API rules table and a reason not to (%s): drop the reason", k, why)
			}
			reason[k] = why
		}
	}
	for _, k := range stackconfig.Keys {
		if k.Type == "boolean" || inTable[k.Name] || reason[k.Name] != "" {
			continue
		}
		t.Errorf("%s has no row in TestCloudAPIRulesAtPlanTime and no reason in noCreateTimeRule", k.Name)
	}
}
