// Package kubernetes installs LiveKit on any Kubernetes cluster (GKE, AKS,
// EKS) with the official livekit-server Helm chart: the one building
// block every Kubernetes MediaCluster shares. Each cloud adds its own
// signaling front door (GKE Gateway, AKS ingress, EKS ALB) on top of the
// Service this component creates.
//
// The chart (https://helm.livekit.io, livekit/livekit-helm) renders
// `.Values.livekit` into a ConfigMap and feeds it to the pod as
// LIVEKIT_CONFIG; it has no way to take the whole config, the Redis password
// or extra files (a private Redis CA) from a Secret. So the config never goes
// into the chart values: the component keeps it in a Kubernetes Secret it
// creates, and a Pulumi transform on the chart's Deployment points
// LIVEKIT_CONFIG at that Secret and mounts the Secret's files. The values
// only carry what the chart templates need to declare ports.
package kubernetes

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/kubernetes/objects"
	"github.com/livekit-infra/livekit-infra/components/kubernetes/quantity"
	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// LiveKitWorkloadType is the component's type token.
const LiveKitWorkloadType = "livekit-infra:index:LiveKitWorkload"

// Chart coordinates and the names the chart gives its objects.
const (
	// ChartRepo is LiveKit's Helm repository.
	ChartRepo = "https://helm.livekit.io"
	// ChartName is the LiveKit server chart.
	ChartName = "livekit-server"
	// ReleaseName is the Helm release name (the chart's instance label).
	ReleaseName = "livekit"
	// FullName is the chart's fullnameOverride: the name of its Deployment,
	// ConfigMap, Service, HPA and ServiceAccount.
	FullName = "livekit-server"
	// SecretName is the Secret holding the rendered config and files.
	SecretName = "livekit-config"
	// ConfigKey is the Secret key holding the rendered LiveKit YAML.
	ConfigKey = "config.yaml"
	// ConfigDir is where the Secret's files are mounted in the pod.
	ConfigDir = "/etc/livekit"
	// SignalServiceName is the signaling Service the cloud's front door targets.
	SignalServiceName = "livekit-signal"
	// TURNServiceName is the TURN/TLS Service (TURNTLSPort of every pod)
	// the cloud's TLS-terminating load balancer targets.
	TURNServiceName = "livekit-turn"
	// ConfigHashAnnotation on the pod template changes with the Secret's
	// content, so a new config or Redis CA rolls the pods (env vars and
	// mounted files are read at start).
	ConfigHashAnnotation = components.ConfigDigestKey
	// DefaultNamespace is used when Args.Namespace is empty.
	DefaultNamespace = "livekit"
	// MinDrainSeconds is the shortest grace period accepted: LiveKit drains
	// rooms on SIGTERM and is killed when the grace period ends.
	MinDrainSeconds = livekit.MinDrainSeconds
	// RunAsUser is the fixed UID (and GID) LiveKit runs as. The official
	// image (livekit/livekit Dockerfile: alpine, ENTRYPOINT
	// /livekit-server, no USER) would run as root; the binary needs no
	// root: it binds only the unprivileged ports the config names (the
	// container already drops every capability, NET_BIND_SERVICE included)
	// and reads its config from an env var and files that fsGroup makes
	// readable. 65532 is the conventional "nonroot" id of distroless images.
	RunAsUser = 65532
	// TmpDir is an emptyDir: the only writable path under the read-only
	// root filesystem.
	TmpDir = "/tmp"
)

// Pod Security Admission labels (https://kubernetes.io/docs/concepts/security/pod-security-admission/).
const (
	PodSecurityEnforce = "pod-security.kubernetes.io/enforce"
	PodSecurityAudit   = "pod-security.kubernetes.io/audit"
	PodSecurityWarn    = "pod-security.kubernetes.io/warn"
)

// NamespaceLabels are the LiveKit namespace's labels. Pod Security
// Standards: the baseline level forbids hostNetwork and hostPort
// ("Host Namespaces", "Host Ports" in
// https://kubernetes.io/docs/concepts/security/pod-security-standards/),
// which media needs (each node's public IP), so the namespace can only
// enforce privileged. It audits and warns at baseline, so anything else
// needing host access here is flagged; the LiveKit pod itself is held to
// restricted's other rules by its security contexts (non-root, no
// capabilities, no privilege escalation, RuntimeDefault seccomp,
// read-only root).
func NamespaceLabels() map[string]string {
	return map[string]string{
		"app.kubernetes.io/part-of": "livekit-infra",
		PodSecurityEnforce:          "privileged",
		PodSecurityAudit:            "baseline",
		PodSecurityWarn:             "baseline",
	}
}

// RestrictedNamespaceLabels enforce the restricted Pod Security Standard,
// for namespaces whose pods need no host access (cert-manager, Traefik:
// both charts run non-root without capabilities by default).
func RestrictedNamespaceLabels() map[string]string {
	return map[string]string{
		"app.kubernetes.io/part-of": "livekit-infra",
		PodSecurityEnforce:          "restricted",
		PodSecurityAudit:            "restricted",
		PodSecurityWarn:             "restricted",
	}
}

// SelectorLabels are the labels the chart puts on its pods.
func SelectorLabels() map[string]string {
	return map[string]string{
		"app.kubernetes.io/name":     ChartName,
		"app.kubernetes.io/instance": ReleaseName,
	}
}

// FilePath is the path inside the pod of a file given in Args.Files.
func FilePath(name string) string { return ConfigDir + "/" + name }

// Resources are the LiveKit container's requests, in Kubernetes quantities
// (e.g. "3", "3500m"; "8Gi"). Memory is also the limit; CPU has no limit,
// because throttling a media server shows up as packet loss.
type Resources struct {
	CPU, Memory string
}

// Scaling bounds the number of LiveKit pods. With host networking there is
// one pod per node, so these are also the node bounds the cluster's
// autoscaler must allow.
type Scaling = components.Scaling

// ServiceArgs shapes the signaling Service (port 7880 of every pod). The
// cloud's front door decides its type and annotations.
type ServiceArgs struct {
	// Type is ClusterIP (default), NodePort or LoadBalancer.
	Type        string
	Annotations map[string]string
	Labels      map[string]string
}

// LiveKitWorkloadArgs is cloud-neutral: everything cloud-specific is passed
// in (provider, node selector, service annotations, files).
type LiveKitWorkloadArgs struct {
	// Provider is the kubernetes.Provider of the target cluster. Required:
	// falling back to the ambient kubeconfig could deploy to the wrong cluster.
	Provider pulumi.ProviderResource
	// Namespace is created by the component (default "livekit").
	Namespace string
	// ChartVersion pins the livekit-server chart (no ranges).
	ChartVersion string
	// ChartRepo overrides the chart repository (default ChartRepo).
	ChartRepo string
	// Image is the pinned LiveKit image: repository:tag,
	// repository@sha256:<digest> or repository:tag@sha256:<digest>.
	Image string
	// Config is the rendered LiveKit YAML (a secret).
	Config pulumi.StringInput
	// Files are extra files (e.g. a Redis CA bundle) stored in the Secret and
	// mounted at FilePath(name).
	Files map[string]pulumi.StringInput
	// Media and TURNUDPPort declare the pod's host ports; they must match
	// what Config says.
	Media       livekit.MediaPorts
	TURNUDPPort int
	// TURNTLSPort (0: off) is the port the TURN/TLS load balancer sends the
	// decrypted stream to (external_tls): a host port of the pod.
	TURNTLSPort int
	// TURNService declares the TURN Service (TURNServiceName, port
	// TURNTLSPort) for a front door that targets a Service; GKE's proxy
	// targets the node pool's instance groups instead.
	TURNService bool
	Resources   Resources
	Scaling     Scaling
	// DrainSeconds is terminationGracePeriodSeconds: how long a stopping pod
	// may keep serving its rooms after SIGTERM.
	DrainSeconds int
	// NodeSelector pins LiveKit to its node pool.
	NodeSelector map[string]string
	Service      ServiceArgs
	// ServiceMonitor creates a Prometheus Operator ServiceMonitor (needs its
	// CRD in the cluster).
	ServiceMonitor bool
}

var (
	chartVersionRe = regexp.MustCompile(`^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)
	dnsLabelRe     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
	fileNameRe     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
)

// Validate reports every problem with the args at once.
func (a *LiveKitWorkloadArgs) Validate(name string) error {
	return components.Validate("LiveKitWorkload", name, a, (*LiveKitWorkloadArgs).check)
}

func (a *LiveKitWorkloadArgs) provider() pulumi.ProviderResource { return a.Provider }

// check reports every problem of the args at once.
func (a *LiveKitWorkloadArgs) check(e *components.ArgErrors) {
	add := e.Add
	checkChartWorkload(e, a.Provider, a.ChartVersion, a.Image, a.Config, "components/livekit", a.Resources)
	if a.Namespace != "" && !dnsLabelRe.MatchString(a.Namespace) {
		add("Namespace %q must be a DNS label", a.Namespace)
	}
	for f := range a.Files {
		if !fileNameRe.MatchString(f) || f == ConfigKey {
			add("Files: %q must be a plain file name other than %s", f, ConfigKey)
		}
	}
	if err := a.Media.Validate(); err != nil {
		add("Media: %v", err)
	}
	if a.TURNUDPPort < 0 || a.TURNUDPPort > 65535 {
		add("TURNUDPPort %d is not a port", a.TURNUDPPort)
	}
	if a.TURNTLSPort < 0 || a.TURNTLSPort > 65535 || (a.TURNTLSPort != 0 && a.TURNTLSPort == a.TURNUDPPort) {
		add("TURNTLSPort %d must be 0 (off) or a port other than TURNUDPPort", a.TURNTLSPort)
	}
	if a.TURNService && a.TURNTLSPort == 0 {
		add("TURNService needs TURNTLSPort: the TURN Service exposes that port")
	}
	a.Scaling.Check(e, "zero pods drops every room")
	if a.DrainSeconds < MinDrainSeconds {
		add("DrainSeconds %d is too short for rooms to drain: use at least %d (the chart's default is 18000)", a.DrainSeconds, MinDrainSeconds)
	}
	switch a.Service.Type {
	case "", "ClusterIP", "NodePort", "LoadBalancer":
	default:
		add("Service.Type %q must be ClusterIP, NodePort or LoadBalancer", a.Service.Type)
	}
}

// checkChartWorkload checks what both chart-installed workloads (LiveKit's
// and Egress's) are given: the cluster's provider, an exact chart version,
// a pinned image, the rendered config (renderer: what renders it) and the
// pod's requests as Kubernetes quantities.
func checkChartWorkload(e *components.ArgErrors, provider pulumi.ProviderResource, chartVersion, image string, config pulumi.StringInput, renderer string, r Resources) {
	if provider == nil {
		e.Add("Provider is required: pass the cluster's kubernetes.Provider")
	}
	if !chartVersionRe.MatchString(chartVersion) {
		e.Add("ChartVersion %q must pin an exact chart version such as 1.9.0", chartVersion)
	}
	if _, _, err := splitImage(image); err != nil {
		e.Add("Image: %v", err)
	}
	if config == nil {
		e.Add("Config is required: render it with %s", renderer)
	}
	if _, ok := quantity.CPU(r.CPU); !ok {
		e.Add("Resources.CPU %q must be %s", r.CPU, quantity.CPUExample)
	}
	if _, ok := quantity.MemoryGiB(r.Memory); !ok {
		e.Add("Resources.Memory %q must be %s", r.Memory, quantity.MemoryExample)
	}
}

var digestRe = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// splitImage splits a pinned image reference into the chart's repository
// and tag values. A digest-pinned reference has no tag the chart could use
// (digest-only) or one the digest overrides: the Deployment transform sets
// the container's image to the full reference, so a digest always wins.
func splitImage(image string) (repo, tag string, err error) {
	if name, digest, ok := strings.Cut(image, "@"); ok {
		if !digestRe.MatchString(digest) {
			return "", "", fmt.Errorf("%q: a digest is sha256: and 64 lowercase hex digits", image)
		}
		if i := strings.LastIndex(name, ":"); i > 0 && !strings.Contains(name[i:], "/") {
			name, tag = name[:i], name[i+1:]
		}
		if name == "" || strings.ContainsAny(name, "@ ") {
			return "", "", fmt.Errorf("%q must be repository@sha256:<digest> or repository:tag@sha256:<digest>", image)
		}
		return name, tag, nil
	}
	i := strings.LastIndex(image, ":")
	if i <= 0 || strings.Contains(image[i:], "/") || i == len(image)-1 {
		return "", "", fmt.Errorf("%q must be repository:tag", image)
	}
	repo, tag = image[:i], image[i+1:]
	if tag == "latest" {
		return "", "", fmt.Errorf("%q: pin a version, not latest", image)
	}
	return repo, tag, nil
}

// LiveKitWorkload is LiveKit on one Kubernetes cluster.
type LiveKitWorkload struct {
	pulumi.ResourceState

	Namespace pulumi.StringOutput
	// ServiceName is the signaling Service (port 7880) for the front door.
	ServiceName pulumi.StringOutput
	// SecretName is the Secret holding the rendered config.
	SecretName pulumi.StringOutput
	// TURNServiceName is the TURN/TLS Service (TURNTLSPort set).
	TURNServiceName pulumi.StringOutput
}

// NewLiveKitWorkload declares the namespace, the config Secret, the chart,
// the signaling Service and the PodDisruptionBudget.
func NewLiveKitWorkload(ctx *pulumi.Context, name string, args *LiveKitWorkloadArgs, opts ...pulumi.ResourceOption) (*LiveKitWorkload, error) {
	w := &LiveKitWorkload{}
	parent, err := components.RegisterOn(ctx, LiveKitWorkloadType, name, w, args, (*LiveKitWorkloadArgs).check, (*LiveKitWorkloadArgs).provider, opts...)
	if err != nil {
		return nil, err
	}
	provider := pulumi.Provider(args.Provider)
	nsName := args.Namespace
	if nsName == "" {
		nsName = DefaultNamespace
	}
	values, err := ChartValues(args)
	if err != nil {
		return nil, fmt.Errorf("LiveKitWorkload %q: %w", name, err)
	}
	ns, secret, chart, err := installConfiguredChart(ctx, name, configuredChart{
		Namespace: nsName, NamespaceLabels: NamespaceLabels(),
		SecretName: SecretName, Config: args.Config, Files: args.Files,
		Chart: ChartName, Release: ReleaseName, Version: args.ChartVersion, Repo: args.ChartRepo, Values: values,
		Patch: func(s *configSecret) pulumi.ResourceTransform {
			return DeploymentPatch{SecretName: SecretName, Files: s.Files, ConfigHash: s.Hash, Image: args.Image}.Transform
		},
	}, parent, provider)
	if err != nil {
		return nil, err
	}

	svcType := args.Service.Type
	if svcType == "" {
		svcType = "ClusterIP"
	}
	svc, err := objects.NewService(ctx, name+"-signal", &objects.ServiceArgs{
		Name: SignalServiceName, Namespace: ns.Name, Type: svcType,
		Annotations: args.Service.Annotations, Labels: args.Service.Labels,
		Selector: SelectorLabels(), Port: livekit.SignalPort,
	}, parent, provider, pulumi.DependsOn([]pulumi.Resource{chart}))
	if err != nil {
		return nil, err
	}

	// The TURN/TLS load balancer's target: every ready pod's TURN port.
	var turnSvc pulumi.StringOutput
	if args.TURNService && args.TURNTLSPort != 0 {
		t, err := objects.NewService(ctx, name+"-turn", &objects.ServiceArgs{
			Name: TURNServiceName, Namespace: ns.Name, Type: "ClusterIP",
			Selector: SelectorLabels(), Port: args.TURNTLSPort, PortName: "turn-tls",
		}, parent, provider, pulumi.DependsOn([]pulumi.Resource{chart}))
		if err != nil {
			return nil, err
		}
		turnSvc = t.Name
	}

	// Voluntary disruptions (node upgrades, repairs) take one LiveKit node
	// at a time, so the others keep serving while it drains.
	if _, err := objects.NewPodDisruptionBudget(ctx, name, FullName, ns.Name, 1, SelectorLabels(),
		parent, provider, pulumi.DependsOn([]pulumi.Resource{chart})); err != nil {
		return nil, err
	}

	w.Namespace = ns.Name
	w.ServiceName = svc.Name
	w.SecretName = secret.Name
	w.TURNServiceName = turnSvc
	if err := ctx.RegisterResourceOutputs(w, pulumi.Map{
		"namespace": w.Namespace, "serviceName": w.ServiceName, "secretName": w.SecretName, "turnServiceName": turnSvc,
	}); err != nil {
		return nil, err
	}
	return w, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ToInput converts JSON-shaped values (whose leaves may already be Pulumi
// inputs) to Pulumi inputs, keeping integral numbers integers.
func ToInput(v any) pulumi.Input {
	switch t := v.(type) {
	case pulumi.Input:
		return t
	case map[string]any:
		m := pulumi.Map{}
		for k, e := range t {
			m[k] = ToInput(e)
		}
		return m
	case []any:
		a := pulumi.Array{}
		for _, e := range t {
			a = append(a, ToInput(e))
		}
		return a
	case string:
		return pulumi.String(t)
	case bool:
		return pulumi.Bool(t)
	case int:
		return pulumi.Int(t)
	case float64:
		if t == float64(int64(t)) {
			return pulumi.Int(int(t))
		}
		return pulumi.Float64(t)
	default:
		return pulumi.ToOutput(t)
	}
}
