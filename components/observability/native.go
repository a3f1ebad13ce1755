package observability

// NativeMetric is a metric a cloud publishes itself (its Redis, its load
// balancer, its scaler), which no Prometheus scrape of LiveKit sees. The
// dashboards and the cloud-native alarms name only metrics of this table,
// each with the page that documents it.
type NativeMetric struct {
	Cloud string // aws, gcp, azure
	// Namespace is the CloudWatch namespace, the Cloud Monitoring metric
	// type's service prefix, or the Azure resource provider type.
	Namespace string
	// Name is the CloudWatch metric name, the Cloud Monitoring metric type's
	// path after the prefix, or the Azure metric name.
	Name string
	// Resource is the Cloud Monitoring monitored resource type ("" elsewhere).
	Resource string
	// Kind is the Cloud Monitoring metric kind (GAUGE, DELTA, CUMULATIVE):
	// a counter is charted and alarmed on as a rate.
	Kind string
	Unit string
	Doc  string
}

// ID is how panels and alarms refer to the metric: namespace/name (a Cloud
// Monitoring metric type as the API spells it).
func (m NativeMetric) ID() string { return m.Namespace + "/" + m.Name }

// Documentation pages of the cloud metrics below.
const (
	docElastiCache   = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.Redis.html"
	docALB           = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html"
	docECS           = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/available-metrics.html"
	docECSInsights   = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-ECS.html"
	docEC2           = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/viewing_metrics_with_cloudwatch.html"
	docMemorystore   = "https://cloud.google.com/monitoring/api/metrics_gcp_p_z#gcp-redis"
	docLoadBalancing = "https://cloud.google.com/monitoring/api/metrics_gcp_i_o#gcp-loadbalancing"
	docGKE           = "https://cloud.google.com/monitoring/api/metrics_kubernetes"
	docAzureRedis    = "https://learn.microsoft.com/en-us/azure/azure-monitor/reference/supported-metrics/microsoft-cache-redis-metrics"
	docAzureLB       = "https://learn.microsoft.com/en-us/azure/azure-monitor/reference/supported-metrics/microsoft-network-loadbalancers-metrics"
	docFrontDoor     = "https://learn.microsoft.com/en-us/azure/azure-monitor/reference/supported-metrics/microsoft-cdn-profiles-metrics"
	docAKS           = "https://learn.microsoft.com/en-us/azure/azure-monitor/reference/supported-metrics/microsoft-containerservice-managedclusters-metrics"
	docAppGateway    = "https://learn.microsoft.com/en-us/azure/azure-monitor/reference/supported-metrics/microsoft-network-applicationgateways-metrics"
	docACI           = "https://learn.microsoft.com/en-us/azure/azure-monitor/reference/supported-metrics/microsoft-containerinstance-containergroups-metrics"
)

// Native metric IDs the clouds' dashboards and alarms use.
const (
	AWSRedisMemory       = "AWS/ElastiCache/DatabaseMemoryUsagePercentage"
	AWSRedisCPU          = "AWS/ElastiCache/EngineCPUUtilization"
	AWSRedisAuthFailures = "AWS/ElastiCache/AuthenticationFailures"
	AWSRedisConnections  = "AWS/ElastiCache/CurrConnections"
	AWSLB5xx             = "AWS/ApplicationELB/HTTPCode_ELB_5XX_Count"
	AWSTarget5xx         = "AWS/ApplicationELB/HTTPCode_Target_5XX_Count"
	AWSUnhealthyTargets  = "AWS/ApplicationELB/UnHealthyHostCount"
	AWSHealthyTargets    = "AWS/ApplicationELB/HealthyHostCount"
	AWSServiceCPU        = "AWS/ECS/CPUUtilization"
	AWSRunningTasks      = "ECS/ContainerInsights/RunningTaskCount"
	AWSDesiredTasks      = "ECS/ContainerInsights/DesiredTaskCount"
	AWSTaskNetworkRx     = "ECS/ContainerInsights/NetworkRxBytes"
	AWSTaskNetworkTx     = "ECS/ContainerInsights/NetworkTxBytes"
	AWSNodeCPU           = "AWS/EC2/CPUUtilization"
	AWSNodeNetworkIn     = "AWS/EC2/NetworkIn"
	AWSNodeNetworkOut    = "AWS/EC2/NetworkOut"
	AWSNodePacketsIn     = "AWS/EC2/NetworkPacketsIn"
	AWSNodePacketsOut    = "AWS/EC2/NetworkPacketsOut"

	GCPRedisMemory   = "redis.googleapis.com/stats/memory/usage_ratio"
	GCPRedisCPU      = "redis.googleapis.com/stats/cpu_utilization"
	GCPRedisRejected = "redis.googleapis.com/stats/reject_connections_count"
	GCPRedisClients  = "redis.googleapis.com/clients/connected"
	GCPLBRequests    = "loadbalancing.googleapis.com/https/request_count"
	GCPNodeCores     = "kubernetes.io/node/cpu/allocatable_cores"

	AzureRedisMemory      = "Microsoft.Cache/redis/usedmemorypercentage"
	AzureRedisCPU         = "Microsoft.Cache/redis/percentProcessorTime"
	AzureRedisErrors      = "Microsoft.Cache/redis/errors"
	AzureRedisClients     = "Microsoft.Cache/redis/connectedclients"
	AzureLBHealthProbe    = "Microsoft.Network/loadBalancers/DipAvailability"
	AzureLBDataPath       = "Microsoft.Network/loadBalancers/VipAvailability"
	AzureFrontDoorReqs    = "Microsoft.Cdn/profiles/RequestCount"
	AzureNodeCores        = "Microsoft.ContainerService/managedClusters/kube_node_status_allocatable_cpu_cores"
	AzureUnschedulablePod = "Microsoft.ContainerService/managedClusters/cluster_autoscaler_unschedulable_pods_count"
	AzureGatewayHealthy   = "Microsoft.Network/applicationGateways/HealthyHostCount"
	AzureGatewayUnhealthy = "Microsoft.Network/applicationGateways/UnhealthyHostCount"
	AzureGatewayResponses = "Microsoft.Network/applicationGateways/ResponseStatus"
	AzureGroupCPU         = "Microsoft.ContainerInstance/containerGroups/CpuUsage"
	AzureGroupMemory      = "Microsoft.ContainerInstance/containerGroups/MemoryUsage"
	AzureGroupBytesIn     = "Microsoft.ContainerInstance/containerGroups/NetworkBytesReceivedPerSecond"
	AzureGroupBytesOut    = "Microsoft.ContainerInstance/containerGroups/NetworkBytesTransmittedPerSecond"
)

// NativeMetrics is every cloud metric a dashboard or alarm may name.
var NativeMetrics = []NativeMetric{
	{Cloud: "aws", Namespace: "AWS/ElastiCache", Name: "DatabaseMemoryUsagePercentage", Unit: UnitPercent, Doc: docElastiCache},
	{Cloud: "aws", Namespace: "AWS/ElastiCache", Name: "EngineCPUUtilization", Unit: UnitPercent, Doc: docElastiCache},
	{Cloud: "aws", Namespace: "AWS/ElastiCache", Name: "AuthenticationFailures", Unit: UnitCount, Doc: docElastiCache},
	{Cloud: "aws", Namespace: "AWS/ElastiCache", Name: "CurrConnections", Unit: UnitCount, Doc: docElastiCache},
	{Cloud: "aws", Namespace: "AWS/ApplicationELB", Name: "HTTPCode_ELB_5XX_Count", Unit: UnitCount, Doc: docALB},
	{Cloud: "aws", Namespace: "AWS/ApplicationELB", Name: "HTTPCode_Target_5XX_Count", Unit: UnitCount, Doc: docALB},
	{Cloud: "aws", Namespace: "AWS/ApplicationELB", Name: "UnHealthyHostCount", Unit: UnitCount, Doc: docALB},
	{Cloud: "aws", Namespace: "AWS/ApplicationELB", Name: "HealthyHostCount", Unit: UnitCount, Doc: docALB},
	{Cloud: "aws", Namespace: "AWS/ECS", Name: "CPUUtilization", Unit: UnitPercent, Doc: docECS},
	{Cloud: "aws", Namespace: "ECS/ContainerInsights", Name: "RunningTaskCount", Unit: UnitCount, Doc: docECSInsights},
	{Cloud: "aws", Namespace: "ECS/ContainerInsights", Name: "DesiredTaskCount", Unit: UnitCount, Doc: docECSInsights},
	// A Fargate task's network (awsvpc mode), per service.
	{Cloud: "aws", Namespace: "ECS/ContainerInsights", Name: "NetworkRxBytes", Unit: UnitBytesPS, Doc: docECSInsights},
	{Cloud: "aws", Namespace: "ECS/ContainerInsights", Name: "NetworkTxBytes", Unit: UnitBytesPS, Doc: docECSInsights},
	// The EKS media nodes, by their node group's Auto Scaling group (the
	// AutoScalingGroupName dimension comes with basic monitoring, 5-minute
	// periods).
	{Cloud: "aws", Namespace: "AWS/EC2", Name: "CPUUtilization", Unit: UnitPercent, Doc: docEC2},
	{Cloud: "aws", Namespace: "AWS/EC2", Name: "NetworkIn", Unit: UnitBytes, Doc: docEC2},
	{Cloud: "aws", Namespace: "AWS/EC2", Name: "NetworkOut", Unit: UnitBytes, Doc: docEC2},
	{Cloud: "aws", Namespace: "AWS/EC2", Name: "NetworkPacketsIn", Unit: UnitCount, Doc: docEC2},
	{Cloud: "aws", Namespace: "AWS/EC2", Name: "NetworkPacketsOut", Unit: UnitCount, Doc: docEC2},

	// Memorystore: usage_ratio is used / maxmemory (0-1); cpu_utilization
	// is CPU seconds by space and role (its rate is cores busy);
	// reject_connections_count counts connections refused at maxclients.
	{Cloud: "gcp", Namespace: "redis.googleapis.com", Name: "stats/memory/usage_ratio", Kind: "GAUGE", Resource: "redis_instance", Unit: UnitRatio, Doc: docMemorystore},
	{Cloud: "gcp", Namespace: "redis.googleapis.com", Name: "stats/cpu_utilization", Kind: "CUMULATIVE", Resource: "redis_instance", Unit: UnitSeconds, Doc: docMemorystore},
	{Cloud: "gcp", Namespace: "redis.googleapis.com", Name: "stats/reject_connections_count", Kind: "CUMULATIVE", Resource: "redis_instance", Unit: UnitCount, Doc: docMemorystore},
	{Cloud: "gcp", Namespace: "redis.googleapis.com", Name: "clients/connected", Kind: "GAUGE", Resource: "redis_instance", Unit: UnitCount, Doc: docMemorystore},
	// The external Application Load Balancer's requests, by
	// response_code_class (a 503 without a healthy backend counts here).
	{Cloud: "gcp", Namespace: "loadbalancing.googleapis.com", Name: "https/request_count", Kind: "DELTA", Resource: "https_lb_rule", Unit: UnitCount, Doc: docLoadBalancing},
	{Cloud: "gcp", Namespace: "kubernetes.io", Name: "node/cpu/allocatable_cores", Kind: "GAUGE", Resource: "k8s_node", Unit: UnitCount, Doc: docGKE},

	{Cloud: "azure", Namespace: "Microsoft.Cache/redis", Name: "usedmemorypercentage", Unit: UnitPercent, Doc: docAzureRedis},
	{Cloud: "azure", Namespace: "Microsoft.Cache/redis", Name: "percentProcessorTime", Unit: UnitPercent, Doc: docAzureRedis},
	{Cloud: "azure", Namespace: "Microsoft.Cache/redis", Name: "errors", Unit: UnitCount, Doc: docAzureRedis},
	{Cloud: "azure", Namespace: "Microsoft.Cache/redis", Name: "connectedclients", Unit: UnitCount, Doc: docAzureRedis},
	// The AKS load balancer in front of Traefik: health probe status (per
	// backend) and data path availability, in percent.
	{Cloud: "azure", Namespace: "Microsoft.Network/loadBalancers", Name: "DipAvailability", Unit: UnitPercent, Doc: docAzureLB},
	{Cloud: "azure", Namespace: "Microsoft.Network/loadBalancers", Name: "VipAvailability", Unit: UnitPercent, Doc: docAzureLB},
	{Cloud: "azure", Namespace: "Microsoft.Cdn/profiles", Name: "RequestCount", Unit: UnitCount, Doc: docFrontDoor},
	{Cloud: "azure", Namespace: "Microsoft.ContainerService/managedClusters", Name: "kube_node_status_allocatable_cpu_cores", Unit: UnitCount, Doc: docAKS},
	{Cloud: "azure", Namespace: "Microsoft.ContainerService/managedClusters", Name: "cluster_autoscaler_unschedulable_pods_count", Unit: UnitCount, Doc: docAKS},
	// Application Gateway v2 in front of a Container Instances region's
	// groups: backend hosts passing (failing) its GET / probe, averaged per
	// minute, by dimension BackendSettingsPool; and the responses it
	// returned to clients (its own and the backends'), a total, by
	// dimension HttpStatusGroup (2xx ... 5xx).
	{Cloud: "azure", Namespace: "Microsoft.Network/applicationGateways", Name: "HealthyHostCount", Unit: UnitCount, Doc: docAppGateway},
	{Cloud: "azure", Namespace: "Microsoft.Network/applicationGateways", Name: "UnhealthyHostCount", Unit: UnitCount, Doc: docAppGateway},
	{Cloud: "azure", Namespace: "Microsoft.Network/applicationGateways", Name: "ResponseStatus", Unit: UnitCount, Doc: docAppGateway},
	// A Container Instances group (the nodes of an ACI region): CPU on
	// all cores in millicores and memory in bytes, by dimension
	// containerName (Maximum, Minimum, Average); the group's network
	// bytes received and sent per second, no dimension.
	{Cloud: "azure", Namespace: "Microsoft.ContainerInstance/containerGroups", Name: "CpuUsage", Unit: UnitCount, Doc: docACI},
	{Cloud: "azure", Namespace: "Microsoft.ContainerInstance/containerGroups", Name: "MemoryUsage", Unit: UnitBytes, Doc: docACI},
	{Cloud: "azure", Namespace: "Microsoft.ContainerInstance/containerGroups", Name: "NetworkBytesReceivedPerSecond", Unit: UnitBytesPS, Doc: docACI},
	{Cloud: "azure", Namespace: "Microsoft.ContainerInstance/containerGroups", Name: "NetworkBytesTransmittedPerSecond", Unit: UnitBytesPS, Doc: docACI},
}

// NativeMetricByID returns the table entry of an ID.
func NativeMetricByID(id string) (NativeMetric, bool) {
	for _, m := range NativeMetrics {
		if m.ID() == id {
			return m, true
		}
	}
	return NativeMetric{}, false
}
