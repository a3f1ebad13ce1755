package rules

import (
	"strings"
	"testing"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// Each rule gets a deliberately bad plan, which it must catch resource by
// resource, and the good counterpart, which it must pass.

const stackURN = "urn:pulumi:test::livekit-infra::pulumi:pulumi:Stack::livekit-infra-test"

func custom(typ, name string, inputs map[string]any, secretPaths ...string) plan.Resource {
	return plan.Resource{
		URN: "urn:pulumi:test::livekit-infra::" + typ + "::" + name, Type: typ, Name: name,
		Custom: true, ID: name + "-id", RawInputs: inputs, SecretPaths: secretPaths,
	}
}

func mkPlan(outputs map[string]any, secretOutputs []string, rs ...plan.Resource) *plan.Plan {
	if outputs == nil {
		outputs = map[string]any{}
	}
	return &plan.Plan{Project: "livekit-infra", Stack: "test", StackURN: stackURN, Resources: rs,
		RawOutputs: outputs, SecretOutputs: secretOutputs}
}

// flagged returns, per resource name, the messages of one rule.
func flagged(t *testing.T, p *plan.Plan, rule string) map[string][]string {
	t.Helper()
	vs, err := Check(FromPlan(p))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, v := range vs {
		if v.Rule == rule {
			name := v.Key[strings.LastIndex(v.Key, "::")+2:]
			out[name] = append(out[name], v.Message)
		}
	}
	return out
}

// expect checks that exactly the bad resources are flagged, each with a
// message containing its want.
func expect(t *testing.T, got map[string][]string, want map[string]string) {
	t.Helper()
	for name, msg := range want {
		found := false
		for _, m := range got[name] {
			found = found || strings.Contains(m, msg)
		}
		if !found {
			t.Errorf("%s: want a violation containing %q, got %q", name, msg, got[name])
		}
	}
	for name, msgs := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: unexpected violations %q", name, msgs)
		}
	}
}

func TestOpenToInternet(t *testing.T) {
	p := mkPlan(nil, nil,
		custom("aws:ec2/securityGroupRule:SecurityGroupRule", "redis-world", map[string]any{
			"type": "ingress", "protocol": "tcp", "fromPort": 6379, "toPort": 6379, "cidrBlocks": []any{"0.0.0.0/0"}}),
		custom("aws:ec2/securityGroup:SecurityGroup", "all-v6", map[string]any{
			"ingress": []any{map[string]any{"protocol": "-1", "fromPort": 0, "toPort": 0, "ipv6CidrBlocks": []any{"::/0"}}}}),
		custom("gcp:compute/firewall:Firewall", "signal-world", map[string]any{
			"sourceRanges": []any{"0.0.0.0/0"}, "allows": []any{map[string]any{"protocol": "tcp", "ports": []any{"7880"}}}}),
		custom("gcp:compute/firewall:Firewall", "kubelet-world", map[string]any{
			"sourceRanges": []any{"0.0.0.0/0"}, "allows": []any{map[string]any{"protocol": "tcp"}}}),
		custom("azure-native:network:NetworkSecurityGroup", "ssh-internet", map[string]any{
			"securityRules": []any{map[string]any{"name": "ssh", "access": "Allow", "direction": "Inbound", "protocol": "Tcp",
				"sourceAddressPrefix": "Internet", "destinationPortRange": "22"}}}),
		custom("azure-native:network:SecurityRule", "metrics-any", map[string]any{
			"access": "Allow", "direction": "Inbound", "protocol": "*", "sourceAddressPrefix": "*", "destinationPortRanges": []any{"6000-7000"}}),
		custom("gcp:container/cluster:Cluster", "gke-public", map[string]any{"name": "c"}),
		custom("azure-native:containerservice/v20240801:ManagedCluster", "aks-public", map[string]any{
			"apiServerAccessProfile": map[string]any{"authorizedIPRanges": []any{"0.0.0.0/0"}}}),
		// Good: HTTPS and media from anywhere, 7880 from the load balancer,
		// restricted control planes.
		custom("aws:ec2/securityGroupRule:SecurityGroupRule", "https", map[string]any{
			"type": "ingress", "protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": []any{"0.0.0.0/0"}}),
		custom("aws:ec2/securityGroupRule:SecurityGroupRule", "media", map[string]any{
			"type": "ingress", "protocol": "udp", "fromPort": 50000, "toPort": 60000, "cidrBlocks": []any{"0.0.0.0/0"}}),
		custom("aws:ec2/securityGroupRule:SecurityGroupRule", "signal-from-alb", map[string]any{
			"type": "ingress", "protocol": "tcp", "fromPort": 7880, "toPort": 7880, "sourceSecurityGroupId": "sg-alb"}),
		custom("aws:ec2/securityGroupRule:SecurityGroupRule", "egress", map[string]any{
			"type": "egress", "protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": []any{"0.0.0.0/0"}}),
		custom("gcp:compute/firewall:Firewall", "lb-health", map[string]any{
			"sourceRanges": []any{"130.211.0.0/22"}, "allows": []any{map[string]any{"protocol": "tcp", "ports": []any{"7880"}}}}),
		custom("gcp:container/cluster:Cluster", "gke-authorized", map[string]any{
			"masterAuthorizedNetworksConfig": map[string]any{"cidrBlocks": []any{map[string]any{"cidrBlock": "203.0.113.0/24"}}}}),
		custom("azure-native:containerservice:ManagedCluster", "aks-private", map[string]any{
			"apiServerAccessProfile": map[string]any{"enablePrivateCluster": true}}),
	)
	expect(t, flagged(t, p, OpenToInternet), map[string]string{
		"redis-world":   "6379 (Redis)",
		"all-v6":        "22 (SSH)",
		"signal-world":  "7880",
		"kubelet-world": "10250 (kubelet)",
		"ssh-internet":  "22 (SSH)",
		"metrics-any":   "6789 (LiveKit metrics)",
		"gke-public":    "no master authorized networks",
		"aks-public":    "0.0.0.0/0",
	})
}

func TestTLS12(t *testing.T) {
	p := mkPlan(nil, nil,
		custom("aws:lb/listener:Listener", "old-policy", map[string]any{"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-2016-08"}),
		custom("aws:lb/listener:Listener", "plain-forward", map[string]any{"protocol": "HTTP",
			"defaultActions": []any{map[string]any{"type": "forward"}}}),
		custom("aws:cloudfront/distribution:Distribution", "default-cert", map[string]any{
			"viewerCertificate":    map[string]any{"cloudfrontDefaultCertificate": true},
			"defaultCacheBehavior": map[string]any{"viewerProtocolPolicy": "allow-all", "trustedKeyGroups": []any{"kg"}}}),
		custom("gcp:compute/targetHttpsProxy:TargetHttpsProxy", "no-ssl-policy", map[string]any{"urlMap": "m"}),
		custom("gcp:compute/sSLPolicy:SSLPolicy", "tls10", map[string]any{"minTlsVersion": "TLS_1_0", "profile": "MODERN"}),
		custom("aws:elasticache/replicationGroup:ReplicationGroup", "redis-plain", map[string]any{"atRestEncryptionEnabled": true}),
		custom("azure-native:storage:StorageAccount", "storage-tls10", map[string]any{"minimumTlsVersion": "TLS1_0", "allowBlobPublicAccess": false}),
		custom("kubernetes:helm.sh/v4:Chart", "traefik-old", map[string]any{
			"values": map[string]any{"tlsOptions": map[string]any{"default": map[string]any{"minVersion": "VersionTLS10"}}}}),
		custom("azure:redis/cache:Cache", "redis-nonssl", map[string]any{"minimumTlsVersion": "1.2", "nonSslPortEnabled": true}),
		gateway("gw-default-policy", "bare"),
		gateway("gw", "livekit"),
		custom("kubernetes:networking.gke.io/v1:GCPGatewayPolicy", "gw-policy", map[string]any{
			"metadata": map[string]any{"name": "tls", "namespace": "livekit"},
			"spec": map[string]any{"default": map[string]any{"sslPolicy": "modern"},
				"targetRef": map[string]any{"kind": "Gateway", "name": "livekit"}}}),
		// Good.
		custom("aws:lb/listener:Listener", "https", map[string]any{"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"}),
		custom("aws:lb/listener:Listener", "redirect", map[string]any{"protocol": "HTTP",
			"defaultActions": []any{map[string]any{"type": "redirect", "redirect": map[string]any{"protocol": "HTTPS"}}}}),
		custom("gcp:compute/sSLPolicy:SSLPolicy", "modern", map[string]any{"minTlsVersion": "TLS_1_2"}),
		custom("kubernetes:helm.sh/v4:Chart", "traefik", map[string]any{
			"values": map[string]any{"tlsOptions": map[string]any{"default": map[string]any{"minVersion": "VersionTLS12"}}}}),
		custom("aws:cloudfront/distribution:Distribution", "cdn", map[string]any{
			"viewerCertificate":    map[string]any{"acmCertificateArn": "arn", "minimumProtocolVersion": "TLSv1.2_2021"},
			"defaultCacheBehavior": map[string]any{"viewerProtocolPolicy": "redirect-to-https"}}),
	)
	expect(t, flagged(t, p, TLS12), map[string]string{
		"old-policy":        "ELBSecurityPolicy-2016-08",
		"plain-forward":     "plaintext listener",
		"default-cert":      "default CloudFront certificate",
		"no-ssl-policy":     "no sslPolicy",
		"tls10":             "TLS_1_0",
		"redis-plain":       "in-transit",
		"storage-tls10":     "TLS1_0",
		"traefik-old":       "VersionTLS10",
		"redis-nonssl":      "non-TLS",
		"gw-default-policy": "GCPGatewayPolicy",
	})
	for _, v := range []string{"TLS_1_2", "TLS12", "TLS1_2", "1.2", "TLSv1.2_2021", "VersionTLS12", "TLS_1_3", "VersionTLS13"} {
		if !tlsAtLeast12(v) {
			t.Errorf("%s read as below 1.2", v)
		}
	}
	for _, v := range []string{"TLS_1_0", "TLS11", "1.0", "TLSv1", "TLSv1.1_2016", "VersionTLS10", "SSLv3"} {
		if tlsAtLeast12(v) {
			t.Errorf("%s read as 1.2 or higher", v)
		}
	}
}

func gateway(name, gwName string) plan.Resource {
	return custom("kubernetes:gateway.networking.k8s.io/v1:Gateway", name, map[string]any{
		"metadata": map[string]any{"name": gwName, "namespace": "livekit"},
		"spec": map[string]any{"gatewayClassName": "gke-l7-global-external-managed",
			"listeners": []any{map[string]any{"name": "https", "port": 443, "protocol": "HTTPS"}}}})
}

func TestEncryptionAtRest(t *testing.T) {
	p := mkPlan(nil, nil,
		custom("aws:elasticache/replicationGroup:ReplicationGroup", "redis", map[string]any{"transitEncryptionEnabled": true}),
		custom("aws:s3/bucketV2:BucketV2", "unencrypted", map[string]any{}),
		custom("aws:sns/topic:Topic", "alarms", map[string]any{}),
		custom("azure-native:storage:StorageAccount", "account", map[string]any{
			"encryption": map[string]any{"services": map[string]any{"blob": map[string]any{"enabled": false}}}}),
		// Good: a bucket with its encryption configuration.
		custom("aws:s3/bucketV2:BucketV2", "recordings", map[string]any{}),
		custom("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "recordings-sse",
			map[string]any{"bucket": "recordings-id"}),
	)
	expect(t, flagged(t, p, EncryptedAtRest), map[string]string{
		"redis":       "encryption at rest",
		"unencrypted": "server-side encryption",
		"alarms":      "KMS",
		"account":     "blob encryption disabled",
	})
}

func TestNoPublicStorage(t *testing.T) {
	pab := map[string]any{"blockPublicAcls": true, "blockPublicPolicy": true, "ignorePublicAcls": true, "restrictPublicBuckets": true}
	p := mkPlan(nil, nil,
		custom("aws:s3/bucketV2:BucketV2", "open-bucket", map[string]any{}),
		custom("aws:s3/bucketPolicy:BucketPolicy", "public-read", map[string]any{"policy": `{"Statement":[
			{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`}),
		custom("aws:cloudfront/distribution:Distribution", "unsigned-cdn", map[string]any{
			"defaultCacheBehavior": map[string]any{"viewerProtocolPolicy": "redirect-to-https"}}),
		custom("gcp:storage/bucket:Bucket", "gcs-inherited", map[string]any{"publicAccessPrevention": "inherited", "uniformBucketLevelAccess": true}),
		custom("gcp:storage/bucketIAMMember:BucketIAMMember", "all-users", map[string]any{"member": "allUsers", "role": "roles/storage.objectViewer"}),
		custom("gcp:compute/backendBucket:BackendBucket", "cdn-unsigned", map[string]any{"enableCdn": true, "name": "cdn-unsigned"}),
		custom("azure-native:storage:StorageAccount", "blob-public", map[string]any{"allowBlobPublicAccess": true, "allowSharedKeyAccess": false, "minimumTlsVersion": "TLS1_2"}),
		custom("azure-native:storage:StorageAccount", "key-from-anywhere", map[string]any{"allowBlobPublicAccess": false, "allowSharedKeyAccess": true,
			"networkRuleSet": map[string]any{"defaultAction": "Allow"}}),
		custom("azure-native:storage:StorageAccount", "key-by-default", map[string]any{"allowBlobPublicAccess": false}),
		custom("azure-native:storage:BlobContainer", "container-public", map[string]any{"publicAccess": "Blob"}),
		// Good.
		custom("aws:s3/bucketV2:BucketV2", "private", map[string]any{}),
		custom("azure-native:storage:StorageAccount", "key-behind-firewall", map[string]any{"allowBlobPublicAccess": false, "allowSharedKeyAccess": true,
			"networkRuleSet": map[string]any{"defaultAction": "Deny", "bypass": "None"}}),
		custom("azure-native:storage:StorageAccount", "key-no-public-endpoint", map[string]any{"allowBlobPublicAccess": false, "allowSharedKeyAccess": true,
			"publicNetworkAccess": "Disabled"}),
		custom("azure-native:storage:StorageAccount", "identity-only", map[string]any{"allowBlobPublicAccess": false, "allowSharedKeyAccess": false}),
		custom("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "private-pab", mergeMaps(pab, map[string]any{"bucket": "private-id"})),
		custom("aws:s3/bucketPolicy:BucketPolicy", "tls-only", map[string]any{"policy": `{"Statement":[
			{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},
			{"Sid":"CloudFront","Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`}),
		custom("aws:cloudfront/distribution:Distribution", "signed-cdn", map[string]any{
			"defaultCacheBehavior": map[string]any{"trustedKeyGroups": []any{"kg-1"}}}),
		custom("gcp:compute/backendBucket:BackendBucket", "cdn-signed", map[string]any{"enableCdn": true, "name": "cdn-signed"}),
		custom("gcp:compute/backendBucketSignedUrlKey:BackendBucketSignedUrlKey", "cdn-key", map[string]any{"backendBucket": "cdn-signed"}),
	)
	expect(t, flagged(t, p, NoPublicStorage), map[string]string{
		"open-bucket":       "public access block",
		"public-read":       "to anyone",
		"unsigned-cdn":      "no trusted key group",
		"gcs-inherited":     "publicAccessPrevention",
		"all-users":         "allUsers",
		"cdn-unsigned":      "signed URL key",
		"blob-public":       "allowBlobPublicAccess",
		"key-from-anywhere": "shared keys open the account from the whole internet",
		"key-by-default":    "shared keys open the account",
		"container-public":  "Blob",
	})
}

func mergeMaps(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func TestNoWildcardIAM(t *testing.T) {
	p := mkPlan(nil, nil,
		custom("aws:iam/rolePolicy:RolePolicy", "admin", map[string]any{"policy": `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}),
		custom("aws:iam/rolePolicy:RolePolicy", "s3-all", map[string]any{"policy": `{"Statement":[{"Sid":"S3","Effect":"Allow","Action":["s3:*"],"Resource":"arn:aws:s3:::b/*"}]}`}),
		custom("aws:iam/rolePolicy:RolePolicy", "secrets-everywhere", map[string]any{"policy": `{"Statement":[{"Sid":"Read","Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`}),
		custom("aws:iam/role:Role", "inline", map[string]any{
			"assumeRolePolicy": `{"Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`,
			"inlinePolicies":   []any{map[string]any{"policy": `{"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}`}}}),
		custom("aws:kms/key:Key", "key", map[string]any{"policy": `{"Statement":[{"Sid":"Root","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:root"},"Action":"kms:*","Resource":"*"}]}`}),
		custom("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "admin-attach", map[string]any{"policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}),
		custom("gcp:projects/iAMMember:IAMMember", "editor", map[string]any{"role": "roles/editor", "member": "serviceAccount:x"}),
		custom("gcp:projects/iAMMember:IAMMember", "project-storage", map[string]any{"role": "roles/storage.objectAdmin", "member": "serviceAccount:x"}),
		custom("azure:authorization/assignment:Assignment", "owner", map[string]any{"roleDefinitionName": "Owner", "scope": "/subscriptions/s"}),
		// Good: scoped statements, non-sensitive wildcards, resource
		// policies with "*" meaning the resource itself.
		custom("aws:iam/rolePolicy:RolePolicy", "scoped", map[string]any{"policy": `{"Statement":[
			{"Effect":"Allow","Action":["secretsmanager:GetSecretValue"],"Resource":["arn:aws:secretsmanager:us-west-2:1:secret:lk"]},
			{"Effect":"Allow","Action":["ecr:GetAuthorizationToken","logs:CreateLogStream"],"Resource":"*"},
			{"Effect":"Deny","Action":"*","Resource":"*"}]}`}),
		custom("aws:kms/key:Key", "scoped-key", map[string]any{"policy": `{"Statement":[{"Effect":"Allow","Principal":{"Service":"cloudwatch.amazonaws.com"},"Action":["kms:Decrypt"],"Resource":"*"}]}`}),
		custom("gcp:projects/iAMMember:IAMMember", "log-writer", map[string]any{"role": "roles/logging.logWriter", "member": "serviceAccount:x"}),
		custom("azure:authorization/assignment:Assignment", "subnet-scoped", map[string]any{"roleDefinitionName": "Network Contributor",
			"scope": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/n"}),
	)
	expect(t, flagged(t, p, NoWildcardIAM), map[string]string{
		"admin":              "allows *",
		"s3-all":             "s3:*",
		"secrets-everywhere": "on every resource",
		"inline":             "NotAction",
		"key":                "kms:*",
		"admin-attach":       "AdministratorAccess",
		"editor":             "roles/editor",
		"project-storage":    "roles/storage.objectAdmin",
		"owner":              "Owner",
	})
}

func TestServicePrincipalsScoped(t *testing.T) {
	p := mkPlan(nil, nil,
		custom("aws:kms/key:Key", "any-alarm", map[string]any{"policy": `{"Statement":[{"Sid":"CW","Effect":"Allow","Principal":{"Service":"cloudwatch.amazonaws.com"},"Action":["kms:Decrypt"],"Resource":"*"}]}`}),
		custom("aws:sns/topicPolicy:TopicPolicy", "any-publisher", map[string]any{"policy": `{"Statement":[{"Effect":"Allow","Principal":{"Service":["cloudwatch.amazonaws.com"]},"Action":"sns:Publish","Resource":"arn:aws:sns:us-east-1:1:t",
			"Condition":{"StringEquals":{"aws:PrincipalTag/x":"y"}}}]}`}),
		// Good: bound to a source, any spelling of the key; principals
		// other than services; denies.
		custom("aws:kms/key:Key", "scoped", map[string]any{"policy": `{"Statement":[{"Effect":"Allow","Principal":{"Service":"cloudwatch.amazonaws.com"},"Action":["kms:Decrypt"],"Resource":"*",
			"Condition":{"StringEquals":{"aws:SourceAccount":"1"}}}]}`}),
		custom("aws:s3/bucketPolicy:BucketPolicy", "oac", map[string]any{"policy": `{"Statement":[{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*",
			"Condition":{"StringEquals":{"AWS:SourceArn":"arn:aws:cloudfront::1:distribution/D"}}}]}`}),
		custom("aws:kms/key:Key", "root", map[string]any{"policy": `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:root"},"Action":["kms:Describe*"],"Resource":"*"},
			{"Effect":"Deny","Principal":{"Service":"s3.amazonaws.com"},"Action":"kms:*","Resource":"*"}]}`}),
		// Trust policies are not resource policies of this rule.
		custom("aws:iam/role:Role", "task", map[string]any{"assumeRolePolicy": `{"Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`}),
	)
	expect(t, flagged(t, p, ScopedServices), map[string]string{
		"any-alarm":     "without aws:SourceAccount or aws:SourceArn",
		"any-publisher": "[cloudwatch.amazonaws.com]",
	})
}

func TestNoStaticClusterAdmins(t *testing.T) {
	p := mkPlan(map[string]any{
		"kubeconfig":     "apiVersion: v1\nusers:\n- name: admin\n  user:\n    client-certificate-data: LS0t\n    client-key-data: LS0t\n",
		"userKubeconfig": "apiVersion: v1\nusers:\n- name: u\n  user:\n    exec:\n      command: gke-gcloud-auth-plugin\n",
	}, []string{"kubeconfig"},
		custom("azure-native:containerservice/v20240801:ManagedCluster", "aks-local", map[string]any{
			"apiServerAccessProfile": map[string]any{"enablePrivateCluster": true}}),
		custom("gcp:container/cluster:Cluster", "gke-cert", map[string]any{
			"masterAuth": map[string]any{"clientCertificateConfig": map[string]any{"issueClientCertificate": true}}}),
		custom("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "alice-admin", map[string]any{
			"roleRef": map[string]any{"name": "cluster-admin"}, "subjects": []any{map[string]any{"kind": "User", "name": "alice"}}}),
		// Good.
		custom("azure-native:containerservice:ManagedCluster", "aks-entra", map[string]any{
			"disableLocalAccounts": true, "aadProfile": map[string]any{"managed": true, "enableAzureRBAC": true}}),
		custom("gcp:container/cluster:Cluster", "gke", map[string]any{}),
		custom("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "sa-view", map[string]any{
			"roleRef": map[string]any{"name": "view"}, "subjects": []any{map[string]any{"kind": "User", "name": "bob"}}}),
	)
	expect(t, flagged(t, p, NoStaticAdmins), map[string]string{
		"aks-local":          "local accounts",
		"gke-cert":           "client certificate",
		"alice-admin":        "cluster-admin to User alice",
		"livekit-infra-test": `output "kubeconfig"`,
	})
}

func TestNoPlainSecrets(t *testing.T) {
	const secret = "S3cretRedisPassw0rd"
	p := mkPlan(map[string]any{
		"redisUrl":  "rediss://:" + secret + "@redis:6379",
		"apiSecret": secret,
	}, []string{"apiSecret"},
		custom("aws:elasticache/replicationGroup:ReplicationGroup", "redis", map[string]any{"authToken": secret}, "authToken"),
		custom("aws:ecs/taskDefinition:TaskDefinition", "task", map[string]any{
			"containerDefinitions": `[{"environment":[{"name":"REDIS_PASSWORD","value":"` + secret + `"}]}]`}),
		custom("azure:redis/cache:Cache", "named", map[string]any{"redisConfiguration": map[string]any{"password": "hunter2hunter2"}}),
		custom("kubernetes:core/v1:Secret", "config", map[string]any{"stringData": map[string]any{"config.yaml": "keys: {}"}}),
		// Good: the secret where it belongs, ids and names that mention
		// secrets, a Secret whose data is secret.
		custom("aws:secretsmanager/secretVersion:SecretVersion", "version", map[string]any{"secretId": "arn:aws:secretsmanager:x", "secretString": secret}, "secretString"),
		custom("kubernetes:core/v1:Secret", "sealed", map[string]any{"stringData": map[string]any{"k": secret}, "metadata": map[string]any{"name": "lk"}}, "stringData"),
	)
	expect(t, flagged(t, p, NoPlainSecrets), map[string]string{
		"task":               "containerDefinitions holds a secret",
		"named":              "redisConfiguration.password is a credential",
		"config":             "stringData.config.yaml",
		"livekit-infra-test": "plain output redisUrl",
	})
}

// A credential inside a secret document (Egress's config YAML with the
// Azure storage account key, a Key Vault secret's JSON) is a secret on its
// own: copied alone into a plain field or output, it is caught, though the
// document as a whole appears nowhere else.
func TestNoPlainSecretsInsideDocuments(t *testing.T) {
	const key = "c3RvcmFnZUFjY291bnRLZXk0Mg=="
	const apiSecret = "tokenServerApiSecret0123456789"
	p := mkPlan(map[string]any{"recordingsKey": key, "account": "lkrec0123456789abcdef0"}, nil,
		custom("kubernetes:core/v1:Secret", "egress-config", map[string]any{"stringData": map[string]any{
			"config.yaml": "api_key: APIx\nstorage:\n  azure:\n    account_name: lkrec0123456789abcdef0\n    account_key: " + key + "\n    container_name: recordings\n"}}, "stringData"),
		custom("azure-native:keyvault:Secret", "vault-secret", map[string]any{"properties": map[string]any{
			"value": `{"apiKey":"APIx","apiSecret":"` + apiSecret + `"}`}}, "properties.value"),
		custom("kubernetes:core/v1:ConfigMap", "leak", map[string]any{"data": map[string]any{"note": "secret " + apiSecret}}),
	)
	got := flagged(t, p, NoPlainSecrets)
	expect(t, got, map[string]string{
		"livekit-infra-test": "plain output recordingsKey",
		"leak":               "data.note holds a secret",
	})
	// The account name beside the key is not a credential.
	for _, m := range got["livekit-infra-test"] {
		if strings.Contains(m, "account") && !strings.Contains(m, "recordingsKey") {
			t.Errorf("a non-credential field of the document was taken for a secret: %s", m)
		}
	}
	if _, ok := got["egress-config"]; ok {
		t.Errorf("the secret document itself was flagged: %v", got["egress-config"])
	}
}

// The rules are served as a CrossGuard pack; every rule is in it.
func TestPackHasEveryRule(t *testing.T) {
	names := map[string]bool{}
	for _, p := range Pack() {
		names[p.Name()] = true
		if p.Description() == "" {
			t.Errorf("%s has no description", p.Name())
		}
	}
	for _, r := range []string{OpenToInternet, TLS12, EncryptedAtRest, NoPublicStorage, NoWildcardIAM, NoStaticAdmins, NoPlainSecrets} {
		if !names[r] {
			t.Errorf("rule %s missing from the pack", r)
		}
	}
}
