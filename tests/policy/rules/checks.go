package rules

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"gopkg.in/yaml.v3"
)

// --- open to the internet ---------------------------------------------------

// sensitivePorts must never be reachable from anywhere. LiveKit's 7880 is
// reached only through the load balancer or ingress (TLS there); 6789 is
// its Prometheus port.
var sensitivePorts = map[int]string{
	22: "SSH", 3389: "RDP", 2379: "etcd", 6379: "Redis", 6380: "Redis (TLS)",
	6443: "the Kubernetes API", 6789: "LiveKit metrics", 7880: "LiveKit signaling (unencrypted)", 10250: "kubelet",
}

// anywhere: sources that mean the whole internet.
func anywhere(src string) bool {
	switch strings.ToLower(strings.TrimSpace(src)) {
	case "0.0.0.0/0", "::/0", "*", "internet", "any", "0.0.0.0":
		return true
	}
	return false
}

// exposed names the sensitive ports in [from, to] (protocol "all" covers
// every port).
func exposed(protocol string, from, to int) []string {
	switch strings.ToLower(protocol) {
	case "-1", "all", "*":
		from, to = 0, 65535
	case "udp", "icmp", "icmpv6", "58", "17", "1":
		return nil // every sensitive port is TCP
	}
	if from <= 0 && to <= 0 {
		from, to = 0, 65535
	}
	var out []string
	for p, what := range sensitivePorts {
		if p >= from && p <= to {
			out = append(out, fmt.Sprintf("%d (%s)", p, what))
		}
	}
	sort.Strings(out)
	return out
}

// portRange parses "7880", "60000-61000", "*" (all).
func portRange(s string) (int, int, bool) {
	s = strings.TrimSpace(s)
	if s == "*" || s == "" {
		return 0, 65535, true
	}
	var a, b int
	if n, _ := fmt.Sscanf(s, "%d-%d", &a, &b); n == 2 {
		return a, b, true
	}
	if _, err := fmt.Sscanf(s, "%d", &a); err == nil {
		return a, a, true
	}
	return 0, 0, false
}

func checkOpenToInternet(rs []res, report func(res, string)) {
	for _, r := range rs {
		p := r.props
		switch r.typ {
		case "aws:ec2/securityGroupRule:SecurityGroupRule":
			if str(p, "type") == "ingress" {
				awsRule(r, p, report)
			}
		case "aws:ec2/securityGroup:SecurityGroup", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":
			for _, in := range maps(p["ingress"]) {
				awsRule(r, in, report)
			}
		case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
			from, _ := num(p["fromPort"])
			to, _ := num(p["toPort"])
			for _, src := range []string{str(p, "cidrIpv4"), str(p, "cidrIpv6")} {
				if anywhere(src) {
					for _, e := range exposed(str(p, "ipProtocol"), from, to) {
						report(r, fmt.Sprintf("ingress from %s to %s", src, e))
					}
				}
			}
		case "gcp:compute/firewall:Firewall":
			if d := str(p, "direction"); d != "" && d != "INGRESS" {
				continue
			}
			var open []string
			for _, src := range strs(p["sourceRanges"]) {
				if anywhere(src) {
					open = append(open, src)
				}
			}
			if len(open) == 0 {
				continue
			}
			for _, a := range maps(p["allows"]) {
				ports := strs(a["ports"])
				if len(ports) == 0 {
					ports = []string{"*"}
				}
				for _, pr := range ports {
					from, to, _ := portRange(pr)
					for _, e := range exposed(str(a, "protocol"), from, to) {
						report(r, fmt.Sprintf("firewall allows %v to %s", open, e))
					}
				}
			}
		case "azure-native:network:NetworkSecurityGroup":
			for _, sr := range maps(p["securityRules"]) {
				azureRule(r, sr, report)
			}
		case "azure-native:network:SecurityRule":
			azureRule(r, p, report)
		case "gcp:container/cluster:Cluster":
			private, _ := boolean(p, "privateClusterConfig.enablePrivateEndpoint")
			var cidrs []string
			for _, c := range maps(get(p, "masterAuthorizedNetworksConfig.cidrBlocks")) {
				cidrs = append(cidrs, str(c, "cidrBlock"))
			}
			kubeAPISources(r, private, cidrs, "master authorized networks", report)
		default:
			if isAKS(r.typ) {
				private, _ := boolean(p, "apiServerAccessProfile.enablePrivateCluster")
				kubeAPISources(r, private, strs(get(p, "apiServerAccessProfile.authorizedIPRanges")), "authorized IP ranges", report)
			}
		}
	}
}

// kubeAPISources reports a cluster whose Kubernetes API endpoint is public
// (not private) and admits any source: no allowed sources (what names
// them) or one that is anywhere.
func kubeAPISources(r res, private bool, sources []string, what string, report func(res, string)) {
	if private {
		return
	}
	if len(sources) == 0 {
		report(r, "the Kubernetes API (public endpoint) accepts any source: no "+what)
	}
	for _, c := range sources {
		if anywhere(c) {
			report(r, what+" include "+c)
		}
	}
}

func isAKS(typ string) bool {
	return strings.HasPrefix(typ, "azure-native:containerservice") && strings.HasSuffix(typ, ":ManagedCluster")
}

func awsRule(r res, in map[string]any, report func(res, string)) {
	from, _ := num(in["fromPort"])
	to, _ := num(in["toPort"])
	var open []string
	for _, src := range append(strs(in["cidrBlocks"]), strs(in["ipv6CidrBlocks"])...) {
		if anywhere(src) {
			open = append(open, src)
		}
	}
	if len(open) == 0 {
		return
	}
	for _, e := range exposed(str(in, "protocol"), from, to) {
		report(r, fmt.Sprintf("ingress from %v to %s", open, e))
	}
}

func azureRule(r res, sr map[string]any, report func(res, string)) {
	if !strings.EqualFold(str(sr, "access"), "Allow") || !strings.EqualFold(str(sr, "direction"), "Inbound") {
		return
	}
	var open []string
	for _, src := range append([]string{str(sr, "sourceAddressPrefix")}, strs(sr["sourceAddressPrefixes"])...) {
		if anywhere(src) {
			open = append(open, src)
		}
	}
	if len(open) == 0 {
		return
	}
	ranges := strs(sr["destinationPortRanges"])
	if s := str(sr, "destinationPortRange"); s != "" {
		ranges = append(ranges, s)
	}
	for _, pr := range ranges {
		from, to, _ := portRange(pr)
		for _, e := range exposed(str(sr, "protocol"), from, to) {
			report(r, fmt.Sprintf("rule %s allows %v to %s", str(sr, "name"), open, e))
		}
	}
}

// --- TLS --------------------------------------------------------------------

// tlsKeys are the input names that set a minimum TLS version, in any
// provider's spelling; tlsMinor reads "TLS_1_2", "TLS12", "TLS1_2", "1.2",
// "TLSv1.2_2021", "VersionTLS12" alike.
var (
	tlsKeys  = regexp.MustCompile(`(?i)^(min(imum|imal)?_?(tls|ssl)?_?(protocol_?)?version|tls_?version)$`)
	tlsMinor = regexp.MustCompile(`(?i)(?:tls\s*v?_?|^)1(?:[._]?([0-3]))?`)
)

func tlsAtLeast12(v string) bool {
	m := tlsMinor.FindStringSubmatch(v)
	return m != nil && m[1] >= "2"
}

// minTLSAnywhere reports every minimum-TLS setting below 1.2, at any depth
// (Helm values, nested TLS blocks).
func minTLSAnywhere(r res, v any, path string, report func(res, string)) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if s, ok := e.(string); ok && tlsKeys.MatchString(k) && s != unknown && !tlsAtLeast12(s) {
				report(r, fmt.Sprintf("%s = %q allows TLS below 1.2", p, s))
			}
			minTLSAnywhere(r, e, p, report)
		}
	case []any:
		for i, e := range t {
			minTLSAnywhere(r, e, fmt.Sprintf("%s[%d]", path, i), report)
		}
	}
}

// albPolicies are the ELB security policies without TLS 1.0/1.1.
var albPolicies = regexp.MustCompile(`TLS13|TLS-1-2|FS-1-2`)

func checkTLS(rs []res, report func(res, string)) {
	// GKE gateways take their SSL policy from a GCPGatewayPolicy; without
	// one, Google's default policy accepts TLS 1.0.
	gatewayPolicies := map[string]bool{}
	for _, r := range rs {
		if r.typ == "kubernetes:networking.gke.io/v1:GCPGatewayPolicy" && str(r.props, "spec.default.sslPolicy") != "" &&
			str(r.props, "spec.targetRef.kind") == "Gateway" {
			gatewayPolicies[str(r.props, "metadata.namespace")+"/"+str(r.props, "spec.targetRef.name")] = true
		}
	}
	for _, r := range rs {
		p := r.props
		if r.typ != StackType {
			minTLSAnywhere(r, p, "", report)
		}
		switch r.typ {
		case "kubernetes:gateway.networking.k8s.io/v1:Gateway":
			if !strings.HasPrefix(str(p, "spec.gatewayClassName"), "gke-l7") {
				continue
			}
			for _, l := range maps(get(p, "spec.listeners")) {
				if str(l, "protocol") == "HTTPS" && !gatewayPolicies[str(p, "metadata.namespace")+"/"+str(p, "metadata.name")] {
					report(r, "HTTPS gateway without a GCPGatewayPolicy SSL policy (the default accepts TLS 1.0)")
					break
				}
			}
		case "aws:lb/listener:Listener", "aws:alb/listener:Listener":
			switch strings.ToUpper(str(p, "protocol")) {
			case "HTTPS", "TLS":
				if pol := str(p, "sslPolicy"); !albPolicies.MatchString(pol) {
					report(r, fmt.Sprintf("sslPolicy %q allows TLS below 1.2 (the default does)", pol))
				}
			case "HTTP", "TCP", "":
				for _, a := range maps(p["defaultActions"]) {
					if str(a, "type") != "redirect" || !strings.EqualFold(str(a, "redirect.protocol"), "HTTPS") {
						report(r, "a plaintext listener that does not only redirect to HTTPS")
						break
					}
				}
			}
		case "aws:cloudfront/distribution:Distribution":
			if v, _ := boolean(p, "viewerCertificate.cloudfrontDefaultCertificate"); v {
				report(r, "the default CloudFront certificate accepts TLS 1.0")
			}
			if str(p, "viewerCertificate.minimumProtocolVersion") == "" {
				report(r, "no minimumProtocolVersion (the default accepts TLS 1.0)")
			}
			for _, b := range append(maps(p["defaultCacheBehavior"]), maps(p["orderedCacheBehaviors"])...) {
				if str(b, "viewerProtocolPolicy") == "allow-all" {
					report(r, "a cache behavior serves plain HTTP")
				}
			}
		case "gcp:compute/targetHttpsProxy:TargetHttpsProxy", "gcp:compute/targetSslProxy:TargetSslProxy":
			if str(p, "sslPolicy") == "" {
				report(r, "no sslPolicy (the default accepts TLS 1.0)")
			}
		case "gcp:compute/sSLPolicy:SSLPolicy":
			if str(p, "minTlsVersion") == "" {
				report(r, "no minTlsVersion (the default is TLS 1.0)")
			}
		case "aws:elasticache/replicationGroup:ReplicationGroup":
			if v, _ := boolean(p, "transitEncryptionEnabled"); !v {
				report(r, "Redis without in-transit encryption")
			}
		case "gcp:redis/instance:Instance":
			if str(p, "transitEncryptionMode") != "SERVER_AUTHENTICATION" {
				report(r, "Memorystore without in-transit encryption")
			}
		case "azure:redis/cache:Cache":
			if v, _ := boolean(p, "nonSslPortEnabled"); v {
				report(r, "the non-TLS Redis port is enabled")
			}
			if str(p, "minimumTlsVersion") == "" {
				report(r, "no minimumTlsVersion")
			}
		case "azure-native:cache:Redis":
			if v, _ := boolean(p, "enableNonSslPort"); v {
				report(r, "the non-TLS Redis port is enabled")
			}
			if str(p, "minimumTlsVersion") == "" {
				report(r, "no minimumTlsVersion")
			}
		case "azure-native:storage:StorageAccount":
			if v, set := boolean(p, "enableHttpsTrafficOnly"); set && !v {
				report(r, "the storage account accepts plain HTTP")
			}
			if str(p, "minimumTlsVersion") == "" {
				report(r, "no minimumTlsVersion")
			}
		case "azure:cdn/frontdoorRoute:FrontdoorRoute":
			if v, _ := boolean(p, "httpsRedirectEnabled"); !v {
				for _, pr := range strs(p["supportedProtocols"]) {
					if strings.EqualFold(pr, "Http") {
						report(r, "serves plain HTTP without redirecting to HTTPS")
					}
				}
			}
		}
	}
}

// --- encryption at rest -----------------------------------------------------

// Google Cloud and Azure encrypt every store at rest and offer no switch to
// turn it off for the types used here; the AWS types below have one.
func checkEncryption(rs []res, report func(res, string)) {
	sse := map[string]bool{}
	for _, r := range rs {
		if r.typ == "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2" ||
			r.typ == "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration" {
			targets(sse, r, "bucket")
		}
	}
	for _, r := range rs {
		p := r.props
		switch r.typ {
		case "aws:elasticache/replicationGroup:ReplicationGroup":
			if v, _ := boolean(p, "atRestEncryptionEnabled"); !v {
				report(r, "Redis without encryption at rest")
			}
		case "aws:s3/bucketV2:BucketV2", "aws:s3/bucket:Bucket":
			if !marked(sse, r) && get(p, "serverSideEncryptionConfiguration") == nil {
				report(r, "bucket without a server-side encryption configuration")
			}
		case "aws:sns/topic:Topic":
			if str(p, "kmsMasterKeyId") == "" {
				report(r, "SNS topic without a KMS key")
			}
		case "aws:ebs/volume:Volume", "aws:efs/fileSystem:FileSystem", "aws:rds/instance:Instance", "aws:rds/cluster:Cluster":
			key := "encrypted"
			if strings.HasPrefix(r.typ, "aws:rds") {
				key = "storageEncrypted"
			}
			if v, _ := boolean(p, key); !v {
				report(r, key+" is not true")
			}
		case "aws:dynamodb/table:Table":
			if v, _ := boolean(p, "serverSideEncryption.enabled"); !v {
				report(r, "table without server-side encryption")
			}
		case "azure-native:storage:StorageAccount":
			for _, svc := range []string{"blob", "file", "table", "queue"} {
				if v, set := boolean(p, "encryption.services."+svc+".enabled"); set && !v {
					report(r, svc+" encryption disabled")
				}
			}
		case "gcp:container/cluster:Cluster":
			if str(p, "databaseEncryption.state") == "DECRYPTED" {
				report(r, "Kubernetes secrets stored without application-layer encryption")
			}
		}
	}
}

// --- public storage ---------------------------------------------------------

func checkPublicStorage(rs []res, report func(res, string)) {
	blocked := map[string]bool{}
	signedKeys := map[string]bool{}
	for _, r := range rs {
		p := r.props
		switch r.typ {
		case "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":
			all := true
			for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
				v, _ := boolean(p, k)
				all = all && v
			}
			if all {
				targets(blocked, r, "bucket")
			}
		case "gcp:compute/backendBucketSignedUrlKey:BackendBucketSignedUrlKey":
			targets(signedKeys, r, "backendBucket")
		}
	}
	for _, r := range rs {
		p := r.props
		switch r.typ {
		case "aws:s3/bucketV2:BucketV2", "aws:s3/bucket:Bucket":
			if !marked(blocked, r) {
				report(r, "bucket without a public access block (all four settings on)")
			}
		case "aws:s3/bucketAclV2:BucketAclV2", "aws:s3/bucketAcl:BucketAcl":
			if a := str(p, "acl"); strings.HasPrefix(a, "public") || a == "authenticated-read" {
				report(r, "bucket ACL "+a)
			}
		case "aws:s3/bucketPolicy:BucketPolicy":
			for _, s := range statements(p["policy"]) {
				if s.allow && s.publicPrincipal && len(s.condition) == 0 {
					report(r, fmt.Sprintf("statement %q allows %v to anyone", s.sid, s.actions))
				}
			}
		case "aws:cloudfront/distribution:Distribution":
			for _, b := range append(maps(p["defaultCacheBehavior"]), maps(p["orderedCacheBehaviors"])...) {
				if len(list(b["trustedKeyGroups"])) == 0 && len(list(b["trustedSigners"])) == 0 {
					report(r, fmt.Sprintf("cache behavior %q serves its origin to anyone with the URL (no trusted key group)", str(b, "pathPattern")))
				}
			}
		case "gcp:storage/bucket:Bucket":
			if str(p, "publicAccessPrevention") != "enforced" {
				report(r, "publicAccessPrevention is not enforced")
			}
			if v, _ := boolean(p, "uniformBucketLevelAccess"); !v {
				report(r, "object ACLs allowed (no uniform bucket-level access)")
			}
		case "gcp:storage/bucketIAMMember:BucketIAMMember", "gcp:storage/bucketIAMBinding:BucketIAMBinding",
			"gcp:storage/bucketAccessControl:BucketAccessControl", "gcp:storage/defaultObjectAccessControl:DefaultObjectAccessControl":
			for _, m := range append(strs(p["members"]), str(p, "member"), str(p, "entity")) {
				if m == "allUsers" || m == "allAuthenticatedUsers" {
					report(r, "grants "+m)
				}
			}
		case "gcp:compute/backendBucket:BackendBucket":
			if v, _ := boolean(p, "enableCdn"); v && !marked(signedKeys, r) {
				report(r, "CDN serves the bucket without a signed URL key")
			}
		case "azure-native:storage:StorageAccount":
			if v, set := boolean(p, "allowBlobPublicAccess"); !set || v {
				report(r, "allowBlobPublicAccess is not false")
			}
			// An account key (or account-key SAS) works from any address
			// unless the account's firewall denies the internet (#17 item
			// 12); Azure's default allows shared keys.
			keys, set := boolean(p, "allowSharedKeyAccess")
			if (!set || keys) && str(p, "publicNetworkAccess") != "Disabled" && str(p, "networkRuleSet.defaultAction") != "Deny" {
				report(r, "shared keys open the account from the whole internet: no network rule denies it")
			}
		case "azure-native:storage:BlobContainer":
			if a := str(p, "publicAccess"); a != "" && a != "None" {
				report(r, "container public access "+a)
			}
		}
	}
}

// --- IAM --------------------------------------------------------------------

type stmt struct {
	sid                    string
	allow, notAction       bool
	actions, resources     []string
	publicPrincipal        bool
	services               []string // Principal.Service
	condition              map[string]any
	notResource, principal bool
}

// statements reads an IAM policy document given as JSON text or as a map.
func statements(v any) []stmt {
	var doc map[string]any
	switch t := v.(type) {
	case string:
		if json.Unmarshal([]byte(t), &doc) != nil {
			return nil
		}
	case map[string]any:
		doc = t
	default:
		return nil
	}
	var out []stmt
	for _, s := range maps(doc["Statement"]) {
		st := stmt{
			sid:       fmt.Sprint(s["Sid"]),
			allow:     s["Effect"] == "Allow",
			actions:   strs(s["Action"]),
			notAction: s["NotAction"] != nil,
			resources: strs(s["Resource"]),
			principal: s["Principal"] != nil,
		}
		st.condition, _ = s["Condition"].(map[string]any)
		switch pr := s["Principal"].(type) {
		case string:
			st.publicPrincipal = pr == "*"
		case map[string]any:
			for _, a := range strs(pr["AWS"]) {
				st.publicPrincipal = st.publicPrincipal || a == "*"
			}
			st.services = strs(pr["Service"])
		}
		out = append(out, st)
	}
	return out
}

func wildcardAction(a string) bool { return a == "*" || strings.HasSuffix(a, ":*") }

// sensitiveActions read or change secrets or stored data.
var sensitiveActions = regexp.MustCompile(`(?i)^(secretsmanager|ssm|kms|s3|dynamodb|glacier|backup):`)

var identityPolicyTypes = map[string]string{
	"aws:iam/rolePolicy:RolePolicy":   "policy",
	"aws:iam/policy:Policy":           "policy",
	"aws:iam/userPolicy:UserPolicy":   "policy",
	"aws:iam/groupPolicy:GroupPolicy": "policy",
}

var resourcePolicyTypes = map[string]string{
	"aws:kms/key:Key":                              "policy",
	"aws:s3/bucketPolicy:BucketPolicy":             "policy",
	"aws:sns/topicPolicy:TopicPolicy":              "policy",
	"aws:sqs/queuePolicy:QueuePolicy":              "policy",
	"aws:secretsmanager/secretPolicy:SecretPolicy": "policy",
	"aws:ecr/repositoryPolicy:RepositoryPolicy":    "policy",
}

// broadRoles grant every action (primitive roles) or data access across a
// whole project or subscription.
var (
	gcpBroadRoles   = regexp.MustCompile(`^roles/(owner|editor|storage\.(admin|objectAdmin|objectViewer|objectCreator)|secretmanager\.\w+|iam\.serviceAccount(TokenCreator|User|KeyAdmin))$`)
	azureBroadRoles = regexp.MustCompile(`(?i)^(Owner|Contributor|User Access Administrator|Storage Blob Data \w+|Key Vault (Secrets|Crypto|Certificates) \w+|Key Vault Administrator)$`)
)

func checkIAM(rs []res, report func(res, string)) {
	for _, r := range rs {
		p := r.props
		var identity []map[string]any
		if k, ok := identityPolicyTypes[r.typ]; ok {
			identity = append(identity, map[string]any{"policy": p[k]})
		}
		if r.typ == "aws:iam/role:Role" {
			identity = append(identity, maps(p["inlinePolicies"])...)
			for _, s := range statements(p["assumeRolePolicy"]) {
				if s.allow && s.publicPrincipal {
					report(r, "the trust policy lets anyone assume the role")
				}
			}
		}
		for _, doc := range identity {
			for _, s := range statements(doc["policy"]) {
				if !s.allow {
					continue
				}
				if s.notAction {
					report(r, fmt.Sprintf("statement %q allows NotAction (everything else)", s.sid))
				}
				for _, a := range s.actions {
					if wildcardAction(a) {
						report(r, fmt.Sprintf("statement %q allows %s", s.sid, a))
					}
				}
				for _, res := range s.resources {
					if res != "*" {
						continue
					}
					for _, a := range s.actions {
						if sensitiveActions.MatchString(a) {
							report(r, fmt.Sprintf("statement %q allows %s on every resource", s.sid, a))
						}
					}
				}
			}
		}
		if k, ok := resourcePolicyTypes[r.typ]; ok {
			// In a resource policy "Resource": "*" is the resource itself;
			// the actions and the principals are what matter.
			for _, s := range statements(p[k]) {
				if !s.allow {
					continue
				}
				for _, a := range s.actions {
					if wildcardAction(a) {
						report(r, fmt.Sprintf("statement %q allows %s", s.sid, a))
					}
				}
			}
		}
		switch r.typ {
		case "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:iam/policyAttachment:PolicyAttachment",
			"aws:iam/userPolicyAttachment:UserPolicyAttachment", "aws:iam/groupPolicyAttachment:GroupPolicyAttachment":
			if arn := str(p, "policyArn"); strings.HasSuffix(arn, "/AdministratorAccess") || strings.HasSuffix(arn, "FullAccess") {
				report(r, "attaches "+arn)
			}
		case "gcp:projects/iAMMember:IAMMember", "gcp:projects/iAMBinding:IAMBinding",
			"gcp:organizations/iAMMember:IAMMember", "gcp:folder/iAMMember:IAMMember":
			if role := str(p, "role"); gcpBroadRoles.MatchString(role) {
				report(r, role+" granted on the whole project")
			}
		case "azure:authorization/assignment:Assignment", "azure-native:authorization:RoleAssignment":
			role := str(p, "roleDefinitionName")
			if role == "" {
				role = str(p, "roleDefinitionId")
			}
			scope := str(p, "scope")
			if azureBroadRoles.MatchString(role) && (scope == "" || !strings.Contains(scope, "/providers/")) {
				report(r, fmt.Sprintf("%s on a whole subscription or resource group (%s)", role, scope))
			}
		}
	}
}

// --- static cluster admins --------------------------------------------------

var kubeconfigCredential = regexp.MustCompile(`(?m)^\s*(client-certificate-data|client-key-data|token|password):\s*\S`)

func checkStaticAdmins(rs []res, report func(res, string)) {
	for _, r := range rs {
		p := r.props
		switch {
		case r.typ == "gcp:container/cluster:Cluster":
			if v, _ := boolean(p, "masterAuth.clientCertificateConfig.issueClientCertificate"); v {
				report(r, "issues a static client certificate")
			}
			if v, _ := boolean(p, "enableLegacyAbac"); v {
				report(r, "legacy ABAC grants broad static access")
			}
		case isAKS(r.typ):
			if v, _ := boolean(p, "disableLocalAccounts"); !v {
				report(r, "local accounts enabled: static admin credentials (listClusterAdminCredentials)")
			}
			if v, _ := boolean(p, "aadProfile.enableAzureRBAC"); !v {
				report(r, "no Entra ID with Azure RBAC")
			}
		case strings.HasPrefix(r.typ, "kubernetes:rbac.authorization.k8s.io/") && strings.HasSuffix(r.typ, ":ClusterRoleBinding"):
			if str(p, "roleRef.name") == "cluster-admin" {
				for _, s := range maps(p["subjects"]) {
					if k := str(s, "kind"); k == "User" || k == "Group" {
						report(r, fmt.Sprintf("binds cluster-admin to %s %s", k, str(s, "name")))
					}
				}
			}
		case r.typ == StackType:
			for k, v := range r.props {
				if s, ok := v.(string); ok && kubeconfigCredential.MatchString(s) {
					report(r, fmt.Sprintf("output %q is a kubeconfig with static credentials", k))
				}
			}
		}
	}
}

// --- secrets in plain fields ------------------------------------------------

// minSecretLen: shorter secret values are not searched for (a "true" or a
// port would match everywhere).
const minSecretLen = 8

// secretNames are inputs that hold a credential by name; they must be
// secret when set.
var secretNames = regexp.MustCompile(`(?i)^(password|authToken|apiSecret|secretString|secretValue|privateKey|privateKeyPem|clientSecret|connectionString|primaryKey|secondaryKey|accessKey|secretAccessKey|sasToken|stringData|data)$`)

// documentSecretNames are the credential fields of a secret document (a
// rendered YAML or JSON config: LiveKit's, Egress's, a token server's Key
// Vault secret). Their values are secrets on their own: a storage account
// key copied out of Egress's config into a plain field is a leak even
// though the whole document never appears there.
var documentSecretNames = regexp.MustCompile(`(?i)^(password|secret|api_?secret|account_?key|access_?key|secret_?key|credentials_?json|auth_?token|token|sas_?token|private_?key|access_key_secret)$`)

// embeddedSecrets adds the credential-named string values of a secret
// YAML or JSON document (JSON is YAML) to secrets, and the values of its
// keys map (LiveKit's `keys: {apiKey: secret}`).
func embeddedSecrets(doc string, secrets map[string]bool) {
	if !strings.ContainsAny(doc, ":\n") {
		return
	}
	var v any
	if yaml.Unmarshal([]byte(doc), &v) != nil {
		return
	}
	var walk func(v any, credential bool)
	walk = func(v any, credential bool) {
		switch t := v.(type) {
		case map[string]any:
			for k, e := range t {
				walk(e, credential || documentSecretNames.MatchString(k) || k == "keys")
			}
		case []any:
			for _, e := range t {
				walk(e, credential)
			}
		case string:
			if credential && len(t) >= minSecretLen {
				secrets[t] = true
			}
		}
	}
	walk(v, false)
}

type leaf struct {
	path   string
	value  string
	secret bool
}

func leaves(v property.Value, path string, secret bool, out *[]leaf) {
	secret = secret || v.Secret()
	switch {
	case v.IsString():
		*out = append(*out, leaf{path, v.AsString(), secret})
	case v.IsArray():
		for i, e := range v.AsArray().All {
			leaves(e, fmt.Sprintf("%s[%d]", path, i), secret, out)
		}
	case v.IsMap():
		for k, e := range v.AsMap().All {
			p := k
			if path != "" {
				p = path + "." + k
			}
			leaves(e, p, secret, out)
		}
	}
}

func checkPlainSecrets(rs []res, report func(res, string)) {
	all := map[string][]leaf{}
	secrets := map[string]bool{}
	for _, r := range rs {
		var ls []leaf
		leaves(property.New(r.pm), "", false, &ls)
		all[r.urn] = ls
		for _, l := range ls {
			if l.secret && len(l.value) >= minSecretLen && l.value != "[secret]" {
				secrets[l.value] = true
				embeddedSecrets(l.value, secrets)
			}
		}
	}
	for _, r := range rs {
		seen := map[string]bool{}
		for _, l := range all[r.urn] {
			if l.secret || seen[l.path] {
				continue
			}
			for s := range secrets {
				if strings.Contains(l.value, s) {
					seen[l.path] = true
					what := "input"
					if r.typ == StackType {
						what = "output"
					}
					report(r, fmt.Sprintf("plain %s %s holds a secret value", what, l.path))
					break
				}
			}
		}
		if r.typ == StackType {
			continue
		}
		// Credential-named inputs (top level or inside a block) are secret.
		for _, l := range all[r.urn] {
			last := l.path
			if i := strings.LastIndexAny(last, ".["); i >= 0 {
				last = strings.TrimSuffix(last[i+1:], "]")
			}
			first, _, _ := strings.Cut(l.path, ".")
			first, _, _ = strings.Cut(first, "[")
			named := secretNames.MatchString(last) || (strings.HasSuffix(r.typ, ":Secret") && (first == "data" || first == "stringData"))
			if named && !l.secret && l.value != "" && l.value != unknown && !seen[l.path] {
				if (first == "data" || last == "data") && !strings.HasSuffix(r.typ, ":Secret") {
					continue // "data" is a credential only in a Kubernetes Secret
				}
				seen[l.path] = true
				report(r, fmt.Sprintf("%s is a credential by name but not a secret", l.path))
			}
		}
	}
}

// --- service principals on behalf of this account only ---------------------

// sourceKeys are the global condition keys that bind a service principal's
// request to the resource or account it acts for (IAM user guide, "The
// confused deputy problem": cross-service confused deputy prevention).
var sourceKeys = []string{"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths"}

// checkServicePrincipals: in a resource policy, a statement that lets an
// AWS service principal act must say on whose behalf (aws:SourceAccount,
// aws:SourceArn, ...), or any account's use of that service can reach the
// resource.
func checkServicePrincipals(rs []res, report func(res, string)) {
	for _, r := range rs {
		k, ok := resourcePolicyTypes[r.typ]
		if !ok {
			continue
		}
		for _, s := range statements(r.props[k]) {
			if !s.allow || len(s.services) == 0 {
				continue
			}
			scoped := false
			for _, cond := range s.condition {
				m, _ := cond.(map[string]any)
				for key := range m {
					for _, sk := range sourceKeys {
						scoped = scoped || strings.EqualFold(key, sk)
					}
				}
			}
			if !scoped {
				report(r, fmt.Sprintf("statement %q lets %v act without aws:SourceAccount or aws:SourceArn", s.sid, s.services))
			}
		}
	}
}
