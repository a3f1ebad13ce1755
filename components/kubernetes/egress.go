package kubernetes

import (
	"context"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// The official egress chart (livekit/livekit-helm egress/, chart 1.9.0 read
// at commit b6c28d7) and the names it gives its objects.
const (
	EgressChartName = "egress"
	// EgressReleaseName is the Helm release; EgressFullName the chart's
	// fullnameOverride (Deployment, HPA, ConfigMap, ServiceAccount).
	EgressReleaseName = "egress"
	EgressFullName    = "egress"
	// EgressNamespace holds the Egress workers, apart from LiveKit's
	// host-network namespace so it can enforce the baseline Pod Security
	// Standard.
	EgressNamespace = "livekit-egress"
	// EgressSecretName holds the rendered config (and the Redis CA where
	// the cloud needs one).
	EgressSecretName = "egress-config"
	// EgressConfigDir is where the Secret's files are mounted.
	EgressConfigDir = "/etc/egress"
	// EgressConfigEnv is the env var Egress reads its config body from
	// (cmd/server/main.go: EGRESS_CONFIG_BODY).
	EgressConfigEnv = "EGRESS_CONFIG_BODY"
	// EgressTaintKey taints the Egress node pool (value "true",
	// NoSchedule): only Egress pods, which tolerate it, run there.
	EgressTaintKey = "livekit-infra/egress"
)

// EgressGraceSeconds is the Egress pods' termination grace period: on
// SIGTERM Egress takes no new job and finishes its recordings; an hour
// (the chart's default) covers most before SIGKILL.
const EgressGraceSeconds = 3600

// EgressSelectorLabels select the chart's Egress pods (the chart's
// egress.selectorLabels: chart name and release).
func EgressSelectorLabels() map[string]string {
	return map[string]string{"app.kubernetes.io/name": EgressChartName, "app.kubernetes.io/instance": EgressReleaseName}
}

// EgressFilePath is the path inside the Egress pod of a file in Files.
func EgressFilePath(name string) string { return EgressConfigDir + "/" + name }

// EgressWorkloadArgs is the Egress chart on one cluster.
type EgressWorkloadArgs struct {
	Provider pulumi.ProviderResource
	// ChartVersion pins the egress chart; ChartRepo overrides ChartRepo.
	ChartVersion, ChartRepo string
	Image                   string
	// Config is the rendered Egress YAML (a secret); Files are mounted at
	// EgressConfigDir beside it.
	Config pulumi.StringInput
	Files  map[string]pulumi.StringInput
	// Resources are the pod's requests (memory also its limit).
	Resources Resources
	Scaling   components.Scaling
	// NodeSelector pins the pods to the Egress pool; they tolerate its
	// EgressTaintKey taint.
	NodeSelector map[string]string
	// ServiceAccountAnnotations bind the pods' ServiceAccount to a cloud
	// identity (GKE Workload Identity).
	ServiceAccountAnnotations map[string]string
	// PodLabels are added to the pod template.
	PodLabels map[string]string
	// ChartDependsOn must exist before the chart's pods are created (a
	// cloud identity binding that is read only at pod admission).
	ChartDependsOn []pulumi.Resource
}

// EgressWorkload is the Egress chart with its config Secret.
type EgressWorkload struct {
	pulumi.ResourceState

	Namespace  pulumi.StringOutput
	SecretName pulumi.StringOutput
}

// EgressWorkloadType is the token of the shared Kubernetes Egress workload.
const EgressWorkloadType = "livekit-infra:kubernetes:EgressWorkload"

// Validate rejects incomplete args.
func (a *EgressWorkloadArgs) Validate(name string) error {
	return components.Validate("EgressWorkload", name, a, (*EgressWorkloadArgs).check)
}

func (a *EgressWorkloadArgs) provider() pulumi.ProviderResource { return a.Provider }

// check reports every problem of the args at once.
func (a *EgressWorkloadArgs) check(e *components.ArgErrors) {
	checkChartWorkload(e, a.Provider, a.ChartVersion, a.Image, a.Config, "livekit.RenderEgress", a.Resources)
	a.Scaling.Check(e, "without a worker every recording request fails")
}

// EgressValues is the typed subset of the egress chart's values.yaml.
type EgressValues struct {
	FullnameOverride              string               `json:"fullnameOverride"`
	Image                         ImageValues          `json:"image"`
	Egress                        EgressPortValues     `json:"egress"`
	TerminationGracePeriodSeconds int                  `json:"terminationGracePeriodSeconds"`
	Autoscaling                   AutoscalingValues    `json:"autoscaling"`
	NodeSelector                  map[string]string    `json:"nodeSelector,omitempty"`
	Tolerations                   []map[string]string  `json:"tolerations"`
	Resources                     ResourceValues       `json:"resources"`
	ServiceAccount                ServiceAccountValues `json:"serviceAccount"`
	PodAnnotations                map[string]string    `json:"podAnnotations"`
	PodSecurityContext            map[string]any       `json:"podSecurityContext"`
	SecurityContext               map[string]any       `json:"securityContext"`
}

// EgressPortValues is what the chart's templates read from `.Values.egress`
// to declare the health and metrics ports. The chart also renders it into a
// ConfigMap the pod does not read (the config comes from our Secret), so
// it carries ports only, never keys.
type EgressPortValues struct {
	HealthPort     int `json:"health_port"`
	PrometheusPort int `json:"prometheus_port"`
}

// BuildEgressValues returns the typed chart values for args.
func BuildEgressValues(args *EgressWorkloadArgs) (EgressValues, error) {
	repo, tag, err := splitImage(args.Image)
	if err != nil {
		return EgressValues{}, err
	}
	// The chart renders "repository:tag": carrying the digest in the tag
	// pins the image even before the Deployment transform sets the full
	// reference.
	if _, digest, ok := strings.Cut(args.Image, "@"); ok && tag != "" {
		tag += "@" + digest
	}
	return EgressValues{
		FullnameOverride:              EgressFullName,
		Image:                         ImageValues{Repository: repo, Tag: tag, PullPolicy: "IfNotPresent"},
		Egress:                        EgressPortValues{HealthPort: livekit.EgressHealthPort, PrometheusPort: livekit.EgressPrometheusPort},
		TerminationGracePeriodSeconds: EgressGraceSeconds,
		Autoscaling:                   autoscalingValues(args.Scaling),
		NodeSelector:                  args.NodeSelector,
		Tolerations: []map[string]string{{
			"key": EgressTaintKey, "operator": "Equal", "value": "true", "effect": "NoSchedule",
		}},
		Resources:      resourceValues(args.Resources),
		ServiceAccount: ServiceAccountValues{Create: true, Name: EgressFullName, Annotations: args.ServiceAccountAnnotations},
		PodAnnotations: map[string]string{
			// A recording in progress is not moved by the cluster autoscaler;
			// only the HPA's scale-in (with the full grace period) stops one.
			"cluster-autoscaler.kubernetes.io/safe-to-evict": "false",
		},
		// The image runs as its own non-root user (USER egress, a name, so
		// runAsNonRoot cannot be verified by the kubelet); Chrome runs
		// without its sandbox (enable_chrome_sandbox false, Egress's
		// default), so the pod needs no capability at all.
		PodSecurityContext: map[string]any{"seccompProfile": map[string]string{"type": "RuntimeDefault"}},
		SecurityContext: map[string]any{
			"allowPrivilegeEscalation": false,
			"capabilities":             map[string][]string{"drop": {"ALL"}},
		},
	}, nil
}

// EgressChartValues returns the chart values as a JSON-shaped map.
func EgressChartValues(args *EgressWorkloadArgs) (map[string]any, error) {
	v, err := BuildEgressValues(args)
	if err != nil {
		return nil, err
	}
	return jsonMap(v)
}

// EgressNamespaceLabels enforce the baseline Pod Security Standard (Egress
// needs no host access) and audit/warn at restricted.
func EgressNamespaceLabels() map[string]string {
	return map[string]string{
		"app.kubernetes.io/part-of": "livekit-infra",
		PodSecurityEnforce:          "baseline",
		PodSecurityAudit:            "restricted",
		PodSecurityWarn:             "restricted",
	}
}

// ConfigSecret is where the workload's config lives: namespace/name of its
// Secret (the contract's EgressOutputs.ConfigSecret).
func (w *EgressWorkload) ConfigSecret() pulumi.StringOutput {
	return pulumi.Sprintf("%s/%s", w.Namespace, w.SecretName)
}

// NewEgressWorkload declares the namespace, the config Secret and the
// egress chart, whose Deployment reads the config from the Secret.
func NewEgressWorkload(ctx *pulumi.Context, name string, args *EgressWorkloadArgs, opts ...pulumi.ResourceOption) (*EgressWorkload, error) {
	w := &EgressWorkload{}
	parent, err := components.RegisterOn(ctx, EgressWorkloadType, name, w, args, (*EgressWorkloadArgs).check, (*EgressWorkloadArgs).provider, opts...)
	if err != nil {
		return nil, err
	}
	values, err := EgressChartValues(args)
	if err != nil {
		return nil, fmt.Errorf("EgressWorkload %q: %w", name, err)
	}
	ns, secret, _, err := installConfiguredChart(ctx, name, configuredChart{
		Namespace: EgressNamespace, NamespaceLabels: EgressNamespaceLabels(),
		SecretName: EgressSecretName, Config: args.Config, Files: args.Files,
		Chart: EgressChartName, Release: EgressReleaseName, Version: args.ChartVersion, Repo: args.ChartRepo, Values: values,
		Patch: func(s *configSecret) pulumi.ResourceTransform {
			return EgressPatch{Files: s.Files, ConfigHash: s.Hash, Image: args.Image, PodLabels: args.PodLabels}.Transform
		},
		DependsOn: args.ChartDependsOn,
	}, parent, pulumi.Provider(args.Provider))
	if err != nil {
		return nil, err
	}
	w.Namespace = ns.Name
	w.SecretName = secret.Name
	if err := ctx.RegisterResourceOutputs(w, pulumi.Map{"namespace": w.Namespace, "secretName": w.SecretName}); err != nil {
		return nil, err
	}
	return w, nil
}

// EgressPatch rewrites the egress chart's Deployment: EGRESS_CONFIG_BODY
// from our Secret instead of the chart's ConfigMap (chart 1.9.0 has no
// Secret option), the Secret's files mounted at EgressConfigDir, a pod
// annotation that changes with the config, and the image by reference.
type EgressPatch struct {
	Files      []string
	ConfigHash pulumi.StringInput
	Image      string
	PodLabels  map[string]string
}

// Transform is the pulumi.ResourceTransform applied to the chart's children.
func (p EgressPatch) Transform(ctx context.Context, args *pulumi.ResourceTransformArgs) *pulumi.ResourceTransformResult {
	return deploymentTransform(EgressFullName, p.Apply)(ctx, args)
}

// Apply returns a patched copy of the Deployment's properties.
func (p EgressPatch) Apply(props pulumi.Map) (pulumi.Map, error) {
	out, spec, meta, err := patchPodTemplate(props, p.ConfigHash)
	if err != nil {
		return nil, err
	}
	if len(p.PodLabels) > 0 {
		labels, _ := meta["labels"].(pulumi.Map)
		if labels == nil {
			labels = pulumi.Map{}
		}
		for k, v := range p.PodLabels {
			labels[k] = pulumi.String(v)
		}
		meta["labels"] = labels
	}
	if len(p.Files) > 0 {
		var items pulumi.Array
		for _, f := range p.Files {
			items = append(items, pulumi.Map{"key": pulumi.String(f), "path": pulumi.String(f)})
		}
		volumes, _ := spec["volumes"].(pulumi.Array)
		spec["volumes"] = append(volumes, pulumi.Map{
			"name":   pulumi.String("egress-files"),
			"secret": pulumi.Map{"secretName": pulumi.String(EgressSecretName), "defaultMode": pulumi.Int(0o444), "items": items},
		})
	}
	err = patchContainer(spec, EgressChartName, EgressConfigEnv, EgressSecretName, p.Image, func(cm pulumi.Map) {
		if len(p.Files) > 0 {
			mounts, _ := cm["volumeMounts"].(pulumi.Array)
			cm["volumeMounts"] = append(mounts, pulumi.Map{
				"name": pulumi.String("egress-files"), "mountPath": pulumi.String(EgressConfigDir), "readOnly": pulumi.Bool(true),
			})
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
