// The livekit-server chart's values: the typed subset this product sets.
package kubernetes

import (
	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// Values is the typed subset of the livekit-server chart's values.yaml
// (chart 1.9.0) this product sets. JSON names follow the chart.
type Values struct {
	FullnameOverride              string               `json:"fullnameOverride"`
	ReplicaCount                  int                  `json:"replicaCount"`
	Image                         ImageValues          `json:"image"`
	TerminationGracePeriodSeconds int                  `json:"terminationGracePeriodSeconds"`
	PodHostNetwork                bool                 `json:"podHostNetwork"`
	Livekit                       LivekitValues        `json:"livekit"`
	StoreKeysInSecret             EnabledValue         `json:"storeKeysInSecret"`
	LoadBalancer                  LoadBalancerValues   `json:"loadBalancer"`
	TurnLoadbalancer              EnableValue          `json:"turnLoadbalancer"`
	Autoscaling                   AutoscalingValues    `json:"autoscaling"`
	NodeSelector                  map[string]string    `json:"nodeSelector,omitempty"`
	Resources                     ResourceValues       `json:"resources"`
	ServiceAccount                ServiceAccountValues `json:"serviceAccount"`
	PodAnnotations                map[string]string    `json:"podAnnotations"`
	PodSecurityContext            PodSecurityContext   `json:"podSecurityContext"`
	SecurityContext               SecurityContext      `json:"securityContext"`
	Affinity                      Affinity             `json:"affinity"`
	DeploymentStrategy            DeploymentStrategy   `json:"deploymentStrategy"`
	ServiceMonitor                ServiceMonitorValues `json:"serviceMonitor"`
}

// ImageValues is the chart's image block.
type ImageValues struct {
	Repository string `json:"repository"`
	Tag        string `json:"tag"`
	PullPolicy string `json:"pullPolicy"`
}

// LivekitValues is what the chart's templates read from `.Values.livekit`
// to declare container and host ports. The chart also renders it into a
// ConfigMap that the pod does not read (LIVEKIT_CONFIG comes from the
// Secret), so it must never carry keys or passwords.
type LivekitValues struct {
	Port           int        `json:"port"`
	PrometheusPort int        `json:"prometheus_port"`
	RTC            RTCValues  `json:"rtc"`
	Turn           TurnValues `json:"turn"`
}

// RTCValues declares the ICE ports.
type RTCValues struct {
	TCPPort        int `json:"tcp_port"`
	UDPPort        int `json:"udp_port,omitempty"`
	PortRangeStart int `json:"port_range_start,omitempty"`
	PortRangeEnd   int `json:"port_range_end,omitempty"`
}

// TurnValues declares the TURN host ports. With external_tls the chart
// mounts no certificate: TLS ends at the cloud's load balancer.
type TurnValues struct {
	Enabled     bool `json:"enabled"`
	UDPPort     int  `json:"udp_port,omitempty"`
	TLSPort     int  `json:"tls_port,omitempty"`
	ExternalTLS bool `json:"external_tls,omitempty"`
	// LoadBalancerType "disable" keeps the chart's own TURN Service (a
	// LoadBalancer in some chart versions) away: the cloud's front door
	// targets TURNServiceName.
	LoadBalancerType string `json:"loadBalancerType,omitempty"`
}

// EnabledValue is a chart toggle spelled "enabled".
type EnabledValue struct {
	Enabled bool `json:"enabled"`
}

// EnableValue is a chart toggle spelled "enable".
type EnableValue struct {
	Enable bool `json:"enable"`
}

// LoadBalancerValues: "disable" keeps the chart from creating an Ingress
// or cloud load balancer; the cloud's front door targets our Service.
type LoadBalancerValues struct {
	Type string `json:"type"`
}

// AutoscalingValues drives the chart's HorizontalPodAutoscaler.
type AutoscalingValues struct {
	Enabled                        bool `json:"enabled"`
	MinReplicas                    int  `json:"minReplicas"`
	MaxReplicas                    int  `json:"maxReplicas"`
	TargetCPUUtilizationPercentage int  `json:"targetCPUUtilizationPercentage"`
}

// ResourceValues are container requests and limits.
type ResourceValues struct {
	Requests map[string]string `json:"requests"`
	Limits   map[string]string `json:"limits"`
}

// resourceValues requests r, with memory as the limit and no CPU limit
// (Resources says why), for LiveKit and Egress alike.
func resourceValues(r Resources) ResourceValues {
	return ResourceValues{
		Requests: map[string]string{"cpu": r.CPU, "memory": r.Memory},
		Limits:   map[string]string{"memory": r.Memory},
	}
}

// autoscalingValues is the chart's HPA between s's bounds on CPU.
func autoscalingValues(s Scaling) AutoscalingValues {
	return AutoscalingValues{
		Enabled: true, MinReplicas: s.Min, MaxReplicas: s.Max,
		TargetCPUUtilizationPercentage: s.CPUTarget,
	}
}

// ServiceAccountValues makes the chart create the pods' ServiceAccount;
// Annotations bind it to a cloud identity (GKE Workload Identity).
type ServiceAccountValues struct {
	Create      bool              `json:"create"`
	Name        string            `json:"name"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// PodSecurityContext is the pod-level security context.
type PodSecurityContext struct {
	RunAsNonRoot   bool              `json:"runAsNonRoot"`
	RunAsUser      int               `json:"runAsUser"`
	RunAsGroup     int               `json:"runAsGroup"`
	FSGroup        int               `json:"fsGroup"`
	SeccompProfile map[string]string `json:"seccompProfile"`
}

// SecurityContext is the container security context.
type SecurityContext struct {
	RunAsNonRoot             bool                `json:"runAsNonRoot"`
	RunAsUser                int                 `json:"runAsUser"`
	ReadOnlyRootFilesystem   bool                `json:"readOnlyRootFilesystem"`
	AllowPrivilegeEscalation bool                `json:"allowPrivilegeEscalation"`
	Capabilities             map[string][]string `json:"capabilities"`
}

// Affinity holds the pod anti-affinity that keeps one LiveKit per node.
type Affinity struct {
	PodAntiAffinity PodAntiAffinity `json:"podAntiAffinity"`
}

// PodAntiAffinity is Kubernetes' podAntiAffinity.
type PodAntiAffinity struct {
	Required []AffinityTerm `json:"requiredDuringSchedulingIgnoredDuringExecution"`
}

// AffinityTerm is a podAffinityTerm.
type AffinityTerm struct {
	LabelSelector map[string]map[string]string `json:"labelSelector"`
	TopologyKey   string                       `json:"topologyKey"`
}

// DeploymentStrategy is the Deployment's update strategy.
type DeploymentStrategy struct {
	Type          string         `json:"type"`
	RollingUpdate map[string]any `json:"rollingUpdate"`
}

// ServiceMonitorValues toggles the chart's Prometheus Operator ServiceMonitor.
type ServiceMonitorValues struct {
	Create   bool   `json:"create"`
	Interval string `json:"interval"`
}

// BuildValues returns the typed chart values for args (validated).
func BuildValues(args *LiveKitWorkloadArgs) (Values, error) {
	repo, tag, err := splitImage(args.Image)
	if err != nil {
		return Values{}, err
	}
	lk := LivekitValues{
		Port:           livekit.SignalPort,
		PrometheusPort: livekit.PrometheusPort,
		RTC: RTCValues{
			TCPPort:        livekit.RTCTCPPort,
			UDPPort:        args.Media.Mux,
			PortRangeStart: args.Media.Start,
			PortRangeEnd:   args.Media.End,
		},
	}
	if args.TURNUDPPort != 0 || args.TURNTLSPort != 0 {
		lk.Turn = TurnValues{Enabled: true, UDPPort: args.TURNUDPPort, TLSPort: args.TURNTLSPort, ExternalTLS: args.TURNTLSPort != 0, LoadBalancerType: "disable"}
	}
	return Values{
		FullnameOverride: FullName,
		ReplicaCount:     args.Scaling.Min,
		Image:            ImageValues{Repository: repo, Tag: tag, PullPolicy: "IfNotPresent"},
		// LiveKit drains on SIGTERM: existing rooms continue, new ones go
		// elsewhere, until the grace period ends.
		TerminationGracePeriodSeconds: args.DrainSeconds,
		// Media reaches each node at its own public IP: host networking.
		PodHostNetwork:    true,
		Livekit:           lk,
		StoreKeysInSecret: EnabledValue{Enabled: false},
		LoadBalancer:      LoadBalancerValues{Type: "disable"},
		TurnLoadbalancer:  EnableValue{Enable: false},
		// The HPA adds pods on CPU; each new pod needs a new node (host
		// ports), which the cluster autoscaler adds up to Max.
		Autoscaling:    autoscalingValues(args.Scaling),
		NodeSelector:   args.NodeSelector,
		Resources:      resourceValues(args.Resources),
		ServiceAccount: ServiceAccountValues{Create: true, Name: FullName},
		PodAnnotations: map[string]string{
			// The cluster autoscaler would evict a LiveKit pod with a
			// 10-minute grace; only the HPA's scale-in (full grace) removes one.
			"cluster-autoscaler.kubernetes.io/safe-to-evict": "false",
		},
		// Host networking, but otherwise the restricted profile: a fixed
		// non-root UID (the kubelet refuses to start the container as
		// root), its group owning the mounted Secret files, nothing
		// writable but TmpDir.
		PodSecurityContext: PodSecurityContext{
			RunAsNonRoot: true, RunAsUser: RunAsUser, RunAsGroup: RunAsUser, FSGroup: RunAsUser,
			SeccompProfile: map[string]string{"type": "RuntimeDefault"},
		},
		SecurityContext: SecurityContext{
			RunAsNonRoot:             true,
			RunAsUser:                RunAsUser,
			ReadOnlyRootFilesystem:   true,
			AllowPrivilegeEscalation: false,
			Capabilities:             map[string][]string{"drop": {"ALL"}},
		},
		// Host ports already forbid two LiveKit pods on a node; the explicit
		// anti-affinity makes the scheduler say why instead of failing ports.
		Affinity: Affinity{PodAntiAffinity: PodAntiAffinity{Required: []AffinityTerm{{
			LabelSelector: map[string]map[string]string{"matchLabels": SelectorLabels()},
			TopologyKey:   "kubernetes.io/hostname",
		}}}},
		// A new pod needs a free node before an old one starts draining, so
		// capacity never drops during a rollout.
		DeploymentStrategy: DeploymentStrategy{Type: "RollingUpdate", RollingUpdate: map[string]any{"maxSurge": 1, "maxUnavailable": 0}},
		ServiceMonitor:     ServiceMonitorValues{Create: args.ServiceMonitor, Interval: "30s"},
	}, nil
}

// ChartValues returns the chart values as a JSON-shaped map.
func ChartValues(args *LiveKitWorkloadArgs) (map[string]any, error) {
	v, err := BuildValues(args)
	if err != nil {
		return nil, err
	}
	return jsonMap(v)
}
