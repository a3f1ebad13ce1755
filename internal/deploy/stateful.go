package deploy

import (
	"regexp"
	"strings"
)

// statefulTypes are the resource types whose replacement or deletion loses
// data or breaks clients: room state (Redis), recordings (buckets), names
// clients resolve (DNS records and zones), clusters (every LiveKit node and
// its public IP), secrets and keys. A replace or delete of one of them is a
// blocking change: `lkinfra preview` and `lkinfra up` refuse it without
// --allow-destructive. Tokens are matched after dropping azure-native's API
// version module suffix ("containerservice/v20240801" -> "containerservice").
var statefulTypes = map[string]string{
	// AWS
	"aws:elasticache/replicationGroup:ReplicationGroup": "Redis (room state)",
	"aws:elasticache/cluster:Cluster":                   "Redis (room state)",
	"aws:elasticache/serverlessCache:ServerlessCache":   "Redis (room state)",
	"aws:s3/bucketV2:BucketV2":                          "bucket (recordings)",
	"aws:s3/bucket:Bucket":                              "bucket (recordings)",
	"aws:route53/record:Record":                         "DNS record",
	"aws:route53/zone:Zone":                             "DNS zone",
	"aws:secretsmanager/secret:Secret":                  "secret",
	"aws:ecs/cluster:Cluster":                           "cluster",
	"aws:eks/cluster:Cluster":                           "cluster",
	"aws:rds/instance:Instance":                         "database",
	"aws:rds/cluster:Cluster":                           "database",
	"aws:kms/key:Key":                                   "encryption key",
	"aws:ec2/vpc:Vpc":                                   network,
	"aws:ec2/subnet:Subnet":                             network,
	// GCP
	"gcp:redis/instance:Instance":               "Redis (room state)",
	"gcp:storage/bucket:Bucket":                 "bucket (recordings)",
	"gcp:container/cluster:Cluster":             "cluster",
	"gcp:dns/managedZone:ManagedZone":           "DNS zone",
	"gcp:dns/recordSet:RecordSet":               "DNS record",
	"gcp:secretmanager/secret:Secret":           "secret",
	"gcp:kms/cryptoKey:CryptoKey":               "encryption key",
	"gcp:kms/keyRing:KeyRing":                   "encryption key",
	"gcp:sql/databaseInstance:DatabaseInstance": "database",
	"gcp:compute/network:Network":               network,
	"gcp:compute/subnetwork:Subnetwork":         network,
	// Azure (classic and native)
	"azure:redis/cache:Cache":                                    "Redis (room state)",
	"azure-native:cache:Redis":                                   "Redis (room state)",
	"azure-native:storage:StorageAccount":                        "storage account (recordings)",
	"azure-native:storage:BlobContainer":                         "bucket (recordings)",
	"azure:storage/account:Account":                              "storage account (recordings)",
	"azure:storage/container:Container":                          "bucket (recordings)",
	"azure-native:containerservice:ManagedCluster":               "cluster",
	"azure:containerservice/kubernetesCluster:KubernetesCluster": "cluster",
	"azure-native:network:DnsZone":                               "DNS zone",
	"azure-native:network:RecordSet":                             "DNS record",
	"azure-native:network:PrivateZone":                           "DNS zone",
	"azure-native:dns:Zone":                                      "DNS zone",
	"azure-native:dns:RecordSet":                                 "DNS record",
	"azure:dns/zone:Zone":                                        "DNS zone",
	"azure:dns/cNameRecord:CNameRecord":                          "DNS record",
	"azure:dns/aRecord:ARecord":                                  "DNS record",
	"azure-native:keyvault:Vault":                                "secret store",
	"azure-native:keyvault:Secret":                               "secret",
	"azure-native:resources:ResourceGroup":                       "resource group (deleting it deletes everything in it)",
	"azure-native:network:VirtualNetwork":                        network,
	"azure-native:network:Subnet":                                network,
	// Kubernetes
	"kubernetes:core/v1:Secret":                "secret",
	"kubernetes:core/v1:PersistentVolumeClaim": "volume",
	"kubernetes:core/v1:Namespace":             "namespace (deleting it deletes everything in it)",
}

// network is what a VPC, VNet or subnet holds: replacing one replaces or
// moves the Redis, nodes and load balancers inside it.
const network = "network (its Redis, nodes and load balancers move with it)"

var azureAPIVersion = regexp.MustCompile(`^(azure-native:[A-Za-z0-9]+)/v[0-9]{8}(preview)?(:)`)

// versionless drops azure-native's API version module from a type token
// ("containerservice/v20240801" -> "containerservice"); other tokens are
// returned as they are.
func versionless(typ string) string {
	if strings.HasPrefix(typ, "azure-native:") {
		return azureAPIVersion.ReplaceAllString(typ, "$1$3")
	}
	return typ
}

// StatefulKind returns what a stateful resource type holds ("Redis (room
// state)", "DNS record", ...) and true, or "" and false for other types.
func StatefulKind(typ string) (string, bool) {
	k, ok := statefulTypes[versionless(typ)]
	return k, ok
}

// isDestructive reports whether op loses the resource's current instance.
func isDestructive(op string) bool {
	switch op {
	case OpReplace, OpDelete:
		return true
	}
	return false
}
