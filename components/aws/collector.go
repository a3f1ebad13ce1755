package aws

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/observability"
)

// Collector is the ADOT collector sidecar of the LiveKit task: it scrapes
// the task's own prometheus.port over localhost (the task's network
// namespace, so no security group opens the port) and remote-writes to
// Amazon Managed Service for Prometheus, signed with the task role.
type Collector struct {
	// Image is the collector's image by digest (observability.ADOTImage,
	// through the region's mirror).
	Image string
	// Scrape is the livekit job (observability.Region.SidecarScrape).
	Scrape observability.ScrapeConfig
	// RemoteWrite lists where the series go: the region's workspace first;
	// the global stack's central view appends its own target here.
	RemoteWrite []RemoteWriteTarget
}

// RemoteWriteTarget is one AMP workspace the collector writes to.
type RemoteWriteTarget struct {
	// Name tells the exporters apart (lowercase letters, digits, '-').
	Name string
	// URL is the workspace's remote_write endpoint.
	URL pulumi.StringInput
	// Region is the workspace's region (SigV4 signing).
	Region string
	// WorkspaceArn is what the task role may aps:RemoteWrite to (a
	// workspace of the region's account).
	WorkspaceArn pulumi.StringInput
	// AssumeRoleARN, instead of WorkspaceArn, is a role the task role
	// assumes to write (the central view's writer role, which holds the
	// aps:RemoteWrite grant in the global stack's account).
	AssumeRoleARN string
}

// CollectorContainerName is the sidecar's container name.
const CollectorContainerName = "metrics-collector"

// CollectorConfigEnv is where ADOT reads a whole configuration from
// (documented for ECS with the value from SSM Parameter Store).
const CollectorConfigEnv = "AOT_CONFIG_CONTENT"

// maxStandardParameter is SSM Parameter Store's standard-tier value limit
// (the advanced tier costs per parameter-month).
const maxStandardParameter = 4096

// check reports the problems of a LiveKit task's collector.
func (c *Collector) check(e *components.ArgErrors, taskCPU, taskMemory int) {
	c.checkJob(e, observability.JobLiveKit, "SidecarScrape", taskCPU, taskMemory)
}

// checkJob reports the collector's problems; job is the scrape job the
// task needs (livekit in a LiveKit task, livekit-egress in an Egress task)
// and render the function that renders it.
func (c *Collector) checkJob(e *components.ArgErrors, job, render string, taskCPU, taskMemory int) {
	var problems []string
	if c.Image == "" {
		problems = append(problems, "Collector.Image is required (observability.ADOTImage through the mirror)")
	}
	if c.Scrape.JobName != job {
		problems = append(problems, fmt.Sprintf("Collector.Scrape is job %q: give the region's %s job (observability.Region.%s)", c.Scrape.JobName, job, render))
	}
	targets := make([]observability.RemoteWriteTarget, len(c.RemoteWrite))
	for i, t := range c.RemoteWrite {
		targets[i] = observability.RemoteWriteTarget{Name: t.Name, Region: t.Region, AssumeRoleARN: t.AssumeRoleARN}
		if t.URL == nil || (t.WorkspaceArn == nil) == (t.AssumeRoleARN == "") {
			problems = append(problems, fmt.Sprintf("Collector.RemoteWrite[%d] %q needs URL and either WorkspaceArn (written with the task role) or AssumeRoleARN (a writer role)", i, t.Name))
		}
	}
	if err := observability.ValidateRemoteWrite(targets); err != nil {
		problems = append(problems, err.Error())
	}
	// The sidecar's reservation comes out of the task: LiveKit keeps at
	// least as much again (internal/stackconfig refuses the same sizes,
	// naming awsTaskCpu/awsTaskMemory).
	if taskCPU-observability.CollectorCPU < observability.CollectorCPU {
		problems = append(problems, fmt.Sprintf("TaskCPU %d leaves LiveKit %d CPU units beside the collector's %d: give at least %d",
			taskCPU, taskCPU-observability.CollectorCPU, observability.CollectorCPU, 2*observability.CollectorCPU))
	}
	if taskMemory-observability.CollectorMemoryMiB < observability.CollectorMemoryMiB {
		problems = append(problems, fmt.Sprintf("TaskMemory %d leaves LiveKit %d MiB beside the collector's %d: give at least %d",
			taskMemory, taskMemory-observability.CollectorMemoryMiB, observability.CollectorMemoryMiB, 2*observability.CollectorMemoryMiB))
	}
	for _, p := range problems {
		e.Add("%s", p)
	}
}

// collectorConfig stores the rendered ADOT configuration in SSM Parameter
// Store (SecureString under the account's aws/ssm key), from where ECS
// injects it at start like the LiveKit config: the task definition holds
// only the parameter's ARN.
func collectorConfig(ctx *pulumi.Context, name string, c *Collector, parent pulumi.ResourceOption) (*ssm.Parameter, error) {
	urls := make([]any, len(c.RemoteWrite))
	for i, t := range c.RemoteWrite {
		urls[i] = t.URL
	}
	doc := pulumi.All(urls...).ApplyT(func(v []any) (string, error) {
		targets := make([]observability.RemoteWriteTarget, len(v))
		for i, u := range v {
			t := c.RemoteWrite[i]
			targets[i] = observability.RemoteWriteTarget{Name: t.Name, URL: u.(string), Region: t.Region, AssumeRoleARN: t.AssumeRoleARN}
		}
		cfg, err := observability.ADOTCollector(c.Scrape, targets)
		if err != nil {
			return "", err
		}
		body, err := observability.MarshalYAML(cfg)
		if err != nil {
			return "", err
		}
		if len(body) > maxStandardParameter {
			return "", fmt.Errorf("%q: the ADOT collector config is %d bytes, over SSM's standard parameter limit of %d", name, len(body), maxStandardParameter)
		}
		return body, nil
	}).(pulumi.StringOutput)
	return ssm.NewParameter(ctx, name+"-collector", &ssm.ParameterArgs{
		Description: pulumi.String("ADOT collector config (" + CollectorConfigEnv + ") of " + name),
		Type:        pulumi.String("SecureString"),
		Tier:        pulumi.String("Standard"),
		Value:       pulumi.ToSecret(doc).(pulumi.StringOutput),
	}, parent)
}

// collectorGrant lets the task role remote-write to each own-account
// target's workspace and assume each writer role, and nothing else.
func collectorGrant(ctx *pulumi.Context, name string, c *Collector, role *iam.Role, parent pulumi.ResourceOption) error {
	var arns []any
	var assume []string
	for _, t := range c.RemoteWrite {
		if t.AssumeRoleARN != "" {
			assume = append(assume, t.AssumeRoleARN)
			continue
		}
		arns = append(arns, t.WorkspaceArn)
	}
	doc := pulumi.All(arns...).ApplyT(func(v []any) (string, error) {
		res := make([]string, len(v))
		for i, a := range v {
			res[i] = a.(string)
		}
		var stmts []statement
		if len(res) > 0 {
			stmts = append(stmts, statement{Sid: "RemoteWriteMetrics", Actions: []string{"aps:RemoteWrite"}, Resources: res})
		}
		if len(assume) > 0 {
			stmts = append(stmts, statement{Sid: "AssumeCentralMetricsWriter", Actions: []string{"sts:AssumeRole"}, Resources: assume})
		}
		return policyJSON(stmts...)
	}).(pulumi.StringOutput)
	_, err := iam.NewRolePolicy(ctx, name+"-task-metrics", &iam.RolePolicyArgs{Role: role.Name, Policy: doc}, parent)
	return err
}

// collectorContainer is the sidecar: not essential (a collector failure
// must not stop the media node or a recording; LiveKitNoNodeScraped or
// EgressNoWorkerScraped alerts instead), no
// port mappings (it only dials out), its config from Parameter Store.
func collectorContainer(c *Collector, region, paramArn, logGroup string) containerDef {
	return containerDef{
		Name:         CollectorContainerName,
		Image:        c.Image,
		Essential:    false,
		PortMappings: []portMapping{},
		Secrets:      []secretRef{{Name: CollectorConfigEnv, ValueFrom: paramArn}},
		Environment:  []envVar{},
		CPU:          observability.CollectorCPU,
		Memory:       observability.CollectorMemoryMiB,
		Ulimits:      []ulimit{},
		LogConfiguration: logConfiguration{LogDriver: "awslogs", Options: map[string]string{
			"awslogs-group": logGroup, "awslogs-region": region, "awslogs-stream-prefix": CollectorContainerName,
		}},
		ReadonlyRootFS:  true,
		LinuxParameters: linuxParameters{InitProcessEnabled: true},
	}
}
