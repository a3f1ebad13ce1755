package aws

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/amp"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/observability"
)

// ManagedPrometheusArgs is the region's Amazon Managed Service for
// Prometheus workspace: where its collector remote-writes LiveKit's series
// and where the rendered rules are evaluated.
type ManagedPrometheusArgs struct {
	// Region is the stack's AWS region (the workspace's).
	Region string
	// Rules is the region's rendered rule file (components/observability),
	// uploaded unchanged as the workspace's rule groups namespace.
	Rules observability.RuleFile
	// LogRetentionDays keeps the workspace's rule and alert manager logs.
	LogRetentionDays int
	// Protect keeps the workspace (the region's metric history) from a
	// `pulumi destroy`.
	Protect bool
	// Scraper, when set, is an AMP managed collector of an EKS cluster
	// writing to the workspace (aws-eks); Fargate regions run a collector
	// sidecar in each task instead (Collector).
	Scraper *ScraperArgs
}

// ManagedPrometheus is the region's AMP workspace, its KMS key, its log
// group and its rule groups namespace. Alerting (the alert manager
// definition to the region's SNS topic) is Monitoring's: the topic is
// declared with the alarms.
type ManagedPrometheus struct {
	pulumi.ResourceState

	WorkspaceID  pulumi.StringOutput
	WorkspaceArn pulumi.StringOutput
	// Endpoint is the workspace's Prometheus endpoint (ends in '/'):
	// queries under api/v1/query, remote write at api/v1/remote_write.
	Endpoint       pulumi.StringOutput
	RemoteWriteURL pulumi.StringOutput
	// CentralSourceRoleArn (with a Scraper) is the role AMP's managed
	// collectors assume to write to the central view: the region's
	// metricsWriter, which alone may assume the writer role.
	CentralSourceRoleArn pulumi.StringOutput
}

// RuleNamespace names the workspace's one rule groups namespace.
const RuleNamespace = "livekit"

// check adds every problem of the args to e.
func (a *ManagedPrometheusArgs) check(e *components.ArgErrors) {
	e.Require(components.Field{Name: "Region", Missing: a.Region == ""})
	if len(a.Rules.Groups) == 0 {
		e.Add("Rules has no group: give the region's rendered rules (observability.Region.Rules)")
	}
	if a.LogRetentionDays < 1 {
		e.Add("LogRetentionDays is %d: give a CloudWatch Logs retention", a.LogRetentionDays)
	}
	if a.Scraper != nil {
		a.Scraper.check(e)
	}
}

// NewManagedPrometheus declares the workspace, encrypted with a key of the
// region's own (AMP uses it through grants it creates, only via
// aps.<region>), its rule and alert manager logs, and the rendered rules.
func NewManagedPrometheus(ctx *pulumi.Context, name string, args *ManagedPrometheusArgs, opts ...pulumi.ResourceOption) (*ManagedPrometheus, error) {
	m := &ManagedPrometheus{}
	parent, err := components.Register(ctx, components.ManagedPrometheusType, name, m, args, (*ManagedPrometheusArgs).check, opts...)
	if err != nil {
		return nil, err
	}
	rules, err := args.Rules.YAML()
	if err != nil {
		return nil, err
	}
	account := aws.GetCallerIdentityOutput(ctx, aws.GetCallerIdentityOutputArgs{}, parent).AccountId()

	policy := account.ApplyT(func(acct string) (string, error) {
		// AMP encrypts the workspace through grants it creates on behalf
		// of the account's principals, only when called via AMP here.
		return keyPolicy(acct,
			map[string]any{"Sid": "ManagedPrometheusUsesKey", "Effect": "Allow",
				"Principal": map[string]any{"AWS": "arn:aws:iam::" + acct + ":root"},
				"Action": []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
					"kms:CreateGrant", "kms:DescribeKey"},
				"Resource": "*",
				"Condition": map[string]any{"StringEquals": map[string]any{
					"kms:ViaService": "aps." + args.Region + ".amazonaws.com", "kms:CallerAccount": acct}}},
		)
	}).(pulumi.StringOutput)
	key, err := newKey(ctx, name+"-key", "LiveKit region: encrypts the managed Prometheus workspace", policy, parent)
	if err != nil {
		return nil, err
	}
	// AMP's vended logs (rule evaluation and alert manager errors): an
	// alert that cannot reach SNS shows here.
	logs, err := cloudwatch.NewLogGroup(ctx, name+"-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/aws/vendedlogs/prometheus/" + ctx.Stack() + "-" + name),
		RetentionInDays: pulumi.Int(args.LogRetentionDays),
	}, parent)
	if err != nil {
		return nil, err
	}
	ws, err := amp.NewWorkspace(ctx, name, &amp.WorkspaceArgs{
		Alias:     pulumi.String(ctx.Stack() + "-" + name),
		KmsKeyArn: key.Arn,
		LoggingConfiguration: &amp.WorkspaceLoggingConfigurationArgs{
			LogGroupArn: pulumi.Sprintf("%s:*", logs.Arn),
		},
	}, parent, pulumi.Protect(args.Protect))
	if err != nil {
		return nil, err
	}
	if _, err := amp.NewRuleGroupNamespace(ctx, name+"-rules", &amp.RuleGroupNamespaceArgs{
		Name:        pulumi.String(RuleNamespace),
		WorkspaceId: ws.ID().ToStringOutput(),
		Data:        pulumi.String(rules),
	}, parent); err != nil {
		return nil, err
	}

	if args.Scraper != nil {
		if m.CentralSourceRoleArn, err = scraper(ctx, name, args.Scraper, ws, parent); err != nil {
			return nil, err
		}
	}

	m.WorkspaceID = ws.ID().ToStringOutput()
	m.WorkspaceArn = ws.Arn
	m.Endpoint = ws.PrometheusEndpoint
	m.RemoteWriteURL = pulumi.Sprintf("%sapi/v1/remote_write", ws.PrometheusEndpoint)
	if err := ctx.RegisterResourceOutputs(m, pulumi.Map{
		"workspaceId": m.WorkspaceID, "workspaceArn": m.WorkspaceArn,
		"endpoint": m.Endpoint, "remoteWriteUrl": m.RemoteWriteURL,
	}); err != nil {
		return nil, err
	}
	return m, nil
}

// ScraperArgs attach an AMP managed collector to an EKS cluster: its ENIs
// sit in SubnetIDs (two zones at least) in a security group of their own,
// which alone may reach the LiveKit nodes' metrics port.
type ScraperArgs struct {
	ClusterArn, ClusterName pulumi.StringInput
	VpcID                   pulumi.StringInput
	SubnetIDs               pulumi.StringArrayInput
	// NodeSecurityGroupID is the LiveKit nodes' group (the media group):
	// it admits MetricsPort from the scraper's group only.
	NodeSecurityGroupID pulumi.StringInput
	// ClusterSecurityGroupID is the EKS cluster group: the scraper
	// discovers pods through the private API endpoint on 443.
	ClusterSecurityGroupID pulumi.StringInput
	MetricsPort            int
	// Namespace is the only namespace whose pods the scraper may list.
	Namespace string
	// Scrape is the livekit job (observability.Region.PodScrapeConfig).
	Scrape observability.ScrapeConfig
	// Central, when set, adds a second managed collector with the same
	// job whose destination is the global stack's central workspace (a
	// scraper writes to one workspace only).
	Central *CentralScrape
	// Egress, when the region runs Egress on the cluster, adds the
	// livekit-egress job: the scraper may list pods in its namespace too,
	// and only the scraper's group reaches its metrics port.
	Egress *ScrapeTarget
}

// ScrapeTarget is a further pod job of the managed scraper.
type ScrapeTarget struct {
	Scrape          observability.ScrapeConfig
	Namespace       string
	SecurityGroupID pulumi.StringInput
	Port            int
}

// CentralScrape is the central view as the AMP managed collector reaches
// it: the workspace's ARN and the region's writer role there, which the
// collector assumes from the region's source role when the workspace is in
// another account (roleConfiguration).
type CentralScrape struct {
	WorkspaceArn  string
	WriterRoleARN string
}

var ampWorkspaceArn = regexp.MustCompile(`^arn:aws[a-z-]*:aps:[a-z0-9-]+:\d{12}:workspace/ws-[0-9a-zA-Z-]+$`)

// CentralWorkspaceArn is the ARN of the AMP workspace behind a central
// remote-write URL, in the writer role's account (the global stack creates
// both in its own account).
func CentralWorkspaceArn(remoteWriteURL, writerRoleARN string) (string, error) {
	region := observability.AMPRegion(remoteWriteURL)
	parts := strings.Split(writerRoleARN, ":")
	if region == "" || !observability.IsRoleARN(writerRoleARN) || len(parts) < 5 {
		return "", fmt.Errorf("central metrics: %q with %q is not an AMP remote-write URL and an IAM role ARN", remoteWriteURL, writerRoleARN)
	}
	ws := strings.TrimSuffix(remoteWriteURL[strings.Index(remoteWriteURL, "/workspaces/")+len("/workspaces/"):], "/api/v1/remote_write")
	return parts[0] + ":" + parts[1] + ":aps:" + region + ":" + parts[4] + ":workspace/" + ws, nil
}

// roleConfiguration is the central collector's source/target role pair
// when the central workspace is in another account, AMP's cross-account
// setup (AMP user guide, AMP-collector-how-to.html#cross-account-remote-write).
// In the region's own account there is none: the collector's
// service-linked role may already write to the account's workspaces
// (AmazonPrometheusScraperServiceRolePolicy), and AMP documents the pair
// for another account only.
func (c *CentralScrape) roleConfiguration(account, source pulumi.StringOutput) amp.ScraperRoleConfigurationPtrOutput {
	return pulumi.All(account, source).ApplyT(func(v []any) *amp.ScraperRoleConfiguration {
		if strings.Split(c.WorkspaceArn, ":")[4] == v[0].(string) {
			return nil
		}
		src := v[1].(string)
		return &amp.ScraperRoleConfiguration{SourceRoleArn: &src, TargetRoleArn: &c.WriterRoleARN}
	}).(amp.ScraperRoleConfigurationPtrOutput)
}

// EKSViewPolicy is the EKS access policy of the scraper, scoped to the
// LiveKit namespace: it lists and watches pods there, nothing else.
const EKSViewPolicy = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"

func (a *ScraperArgs) check(e *components.ArgErrors) {
	e.Require(components.Field{Name: "Scraper.ClusterArn", Missing: a.ClusterArn == nil}, components.Field{Name: "Scraper.ClusterName", Missing: a.ClusterName == nil},
		components.Field{Name: "Scraper.VpcID", Missing: a.VpcID == nil}, components.Field{Name: "Scraper.SubnetIDs", Missing: a.SubnetIDs == nil},
		components.Field{Name: "Scraper.NodeSecurityGroupID", Missing: a.NodeSecurityGroupID == nil},
		components.Field{Name: "Scraper.ClusterSecurityGroupID", Missing: a.ClusterSecurityGroupID == nil},
		components.Field{Name: "Scraper.Namespace", Missing: a.Namespace == ""})
	if a.MetricsPort < 1 || a.MetricsPort > 65535 {
		e.Add("Scraper.MetricsPort %d is not a port", a.MetricsPort)
	}
	if a.Scrape.JobName != observability.JobLiveKit || len(a.Scrape.KubernetesSDConfigs) == 0 {
		e.Add("Scraper.Scrape is job %q: give the region's livekit pod job (observability.Region.PodScrapeConfig)", a.Scrape.JobName)
	}
	if c := a.Central; c != nil {
		if !ampWorkspaceArn.MatchString(c.WorkspaceArn) {
			e.Add("Scraper.Central.WorkspaceArn %q is not an AMP workspace ARN (arn:aws:aps:<region>:<account>:workspace/ws-...)", c.WorkspaceArn)
		}
		if !observability.IsRoleARN(c.WriterRoleARN) {
			e.Add("Scraper.Central.WriterRoleARN %q is not an IAM role ARN", c.WriterRoleARN)
		}
	}
	if eg := a.Egress; eg != nil {
		e.Require(components.Field{Name: "Scraper.Egress.SecurityGroupID", Missing: eg.SecurityGroupID == nil},
			components.Field{Name: "Scraper.Egress.Namespace", Missing: eg.Namespace == ""})
		if eg.Port < 1 || eg.Port > 65535 {
			e.Add("Scraper.Egress.Port %d is not a port", eg.Port)
		}
		if eg.Scrape.JobName != observability.JobEgress || len(eg.Scrape.KubernetesSDConfigs) == 0 {
			e.Add("Scraper.Egress.Scrape is job %q: give the region's Egress pod job (observability.Region.EgressPodScrapeConfig)", eg.Scrape.JobName)
		}
	}
}

// scraper declares the managed collector, its security group and rules,
// and its namespace-scoped read access to the cluster (an EKS access entry:
// the cluster authenticates with the API mode).
func scraper(ctx *pulumi.Context, name string, a *ScraperArgs, ws *amp.Workspace, parent pulumi.ResourceOption) (pulumi.StringOutput, error) {
	doc, err := observability.MarshalYAML(observability.PrometheusConfig{
		Global:        observability.GlobalConfig{ScrapeInterval: a.Scrape.ScrapeInterval, EvaluationInterval: observability.EvaluationInterval},
		ScrapeConfigs: a.jobs(),
	})
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	sg, err := ec2.NewSecurityGroup(ctx, name+"-scraper", &ec2.SecurityGroupArgs{
		Description: pulumi.String("AMP managed scraper of the LiveKit nodes' metrics port"),
		VpcId:       a.VpcID,
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	rule := func(id, kind string, port int, sg, peer pulumi.StringInput, desc string) sgRule {
		return sgRule{id: id, kind: kind, proto: "tcp", from: port, to: port, sg: sg, peer: peer, desc: desc}
	}
	rules := []sgRule{
		rule("scraper-to-nodes", "egress", a.MetricsPort, sg.ID(), a.NodeSecurityGroupID, "scrape LiveKit's metrics port"),
		rule("scraper-to-api", "egress", 443, sg.ID(), a.ClusterSecurityGroupID, "discover pods through the private API endpoint"),
		rule("nodes-from-scraper", "ingress", a.MetricsPort, a.NodeSecurityGroupID, sg.ID(), "LiveKit metrics, from the AMP scraper only"),
		rule("api-from-scraper", "ingress", 443, a.ClusterSecurityGroupID, sg.ID(), "the AMP scraper's pod discovery"),
	}
	if eg := a.Egress; eg != nil {
		rules = append(rules,
			rule("scraper-to-egress", "egress", eg.Port, sg.ID(), eg.SecurityGroupID, "scrape Egress's metrics port"),
			rule("egress-from-scraper", "ingress", eg.Port, eg.SecurityGroupID, sg.ID(), "Egress metrics, from the AMP scraper only"))
	}
	if err := securityGroupRules(ctx, name, rules, parent); err != nil {
		return pulumi.StringOutput{}, err
	}
	sc, err := amp.NewScraper(ctx, name+"-scraper", &amp.ScraperArgs{
		Alias:               pulumi.String(ctx.Stack() + "-" + name),
		ScrapeConfiguration: pulumi.String(doc),
		Source: &amp.ScraperSourceArgs{Eks: &amp.ScraperSourceEksArgs{
			ClusterArn: a.ClusterArn, SubnetIds: a.SubnetIDs, SecurityGroupIds: pulumi.StringArray{sg.ID()},
		}},
		Destination: &amp.ScraperDestinationArgs{Amp: &amp.ScraperDestinationAmpArgs{WorkspaceArn: ws.Arn}},
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	// EKS access entries take the role's ARN without its service-linked
	// path (aws-service-role/scraper.aps.amazonaws.com/).
	principal := sc.RoleArn.ApplyT(func(arn string) string {
		if i, j := strings.Index(arn, ":role/"), strings.LastIndex(arn, "/"); i >= 0 && j > i+5 {
			return arn[:i+6] + arn[j+1:]
		}
		return arn
	}).(pulumi.StringOutput)
	entry, err := eks.NewAccessEntry(ctx, name+"-scraper", &eks.AccessEntryArgs{
		ClusterName: a.ClusterName, PrincipalArn: principal, Type: pulumi.String("STANDARD"),
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	_, err = eks.NewAccessPolicyAssociation(ctx, name+"-scraper", &eks.AccessPolicyAssociationArgs{
		ClusterName: a.ClusterName, PrincipalArn: principal, PolicyArn: pulumi.String(EKSViewPolicy),
		AccessScope: &eks.AccessPolicyAssociationAccessScopeArgs{
			Type: pulumi.String("namespace"), Namespaces: pulumi.ToStringArray(a.namespaces()),
		},
	}, parent, pulumi.DependsOn([]pulumi.Resource{entry}))
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	return centralScraper(ctx, name, a, doc, sg, sc, parent)
}

// centralScraper declares the role AMP's collectors assume to write to the
// central view (always: the global stack's writer role trusts it, so it
// exists before the region is pointed there) and, with a.Central, the
// second collector. It shares the first one's security group and, through
// AMP's one service-linked role, its EKS access entry. The source role's
// trust and grant and the roleConfiguration pair follow AMP's cross-account
// setup (docs.aws.amazon.com/prometheus/latest/userguide/
// AMP-collector-how-to.html#cross-account-remote-write).
func centralScraper(ctx *pulumi.Context, name string, a *ScraperArgs, doc string, sg *ec2.SecurityGroup, first *amp.Scraper, parent pulumi.ResourceOption) (pulumi.StringOutput, error) {
	invoke := pulumi.Parent(first)
	account := aws.GetCallerIdentityOutput(ctx, aws.GetCallerIdentityOutputArgs{}, invoke).AccountId()
	region := aws.GetRegionOutput(ctx, aws.GetRegionOutputArgs{}, invoke).Name()
	trust := pulumi.All(account, region).ApplyT(func(v []any) (string, error) {
		acct, rgn := v[0].(string), v[1].(string)
		return globalPolicyJSON([]map[string]any{{
			"Sid": "ManagedCollectorsOfThisAccount", "Effect": "Allow",
			"Principal": map[string]any{"Service": "scraper.aps.amazonaws.com"},
			"Action":    "sts:AssumeRole",
			"Condition": map[string]any{
				"StringEquals": map[string]any{"aws:SourceAccount": acct},
				"ArnLike":      map[string]any{"aws:SourceArn": "arn:aws:aps:" + rgn + ":" + acct + ":scraper/*"},
			},
		}})
	}).(pulumi.StringOutput)
	role, err := iam.NewRole(ctx, name+"-central-source", &iam.RoleArgs{
		Description:      pulumi.String("AMP managed collector of the LiveKit pods: assumes the central metrics writer role, nothing else"),
		AssumeRolePolicy: trust,
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	if a.Central == nil {
		return role.Arn, nil
	}
	policy, err := policyJSON(statement{Sid: "AssumeCentralMetricsWriter", Actions: []string{"sts:AssumeRole"}, Resources: []string{a.Central.WriterRoleARN}})
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	grant, err := iam.NewRolePolicy(ctx, name+"-central-source", &iam.RolePolicyArgs{Role: role.Name, Policy: pulumi.String(policy)}, parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	if _, err := amp.NewScraper(ctx, name+"-central-scraper", &amp.ScraperArgs{
		Alias:               pulumi.String(ctx.Stack() + "-" + name + "-central"),
		ScrapeConfiguration: pulumi.String(doc),
		Source: &amp.ScraperSourceArgs{Eks: &amp.ScraperSourceEksArgs{
			ClusterArn: a.ClusterArn, SubnetIds: a.SubnetIDs, SecurityGroupIds: pulumi.StringArray{sg.ID()},
		}},
		Destination:       &amp.ScraperDestinationArgs{Amp: &amp.ScraperDestinationAmpArgs{WorkspaceArn: pulumi.String(a.Central.WorkspaceArn)}},
		RoleConfiguration: a.Central.roleConfiguration(account, role.Arn),
	}, parent, pulumi.DependsOn([]pulumi.Resource{grant, first})); err != nil {
		return pulumi.StringOutput{}, err
	}
	return role.Arn, nil
}

// jobs are the scraper's pod jobs: LiveKit's, and Egress's where it runs.
func (a *ScraperArgs) jobs() []observability.ScrapeConfig {
	if a.Egress == nil {
		return []observability.ScrapeConfig{a.Scrape}
	}
	return []observability.ScrapeConfig{a.Scrape, a.Egress.Scrape}
}

// namespaces are the namespaces whose pods the scraper may list.
func (a *ScraperArgs) namespaces() []string {
	if a.Egress == nil {
		return []string{a.Namespace}
	}
	return []string{a.Namespace, a.Egress.Namespace}
}
