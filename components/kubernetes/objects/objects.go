// Package objects declares the typed Kubernetes objects this program uses
// (namespaces, Secrets, Services, RBAC, Ingress, NetworkPolicy) and custom
// resources (GKE Gateway API, cert-manager), behind functions that take and
// return plain Pulumi types.
//
// Why a package of its own (docs/build-cost.md): a package that names a
// typed Kubernetes object (its ObjectMeta reaches pulumi.AnyOutput) makes
// the Go compiler instantiate Pulumi's generic output type for every
// built-in type, about 8,000 functions and 10 CPU-s. Here that happens once,
// and since this package imports nothing else of this module, editing the
// components never recompiles it. Callers (components/kubernetes, gcp,
// azure) stay cheap.
package objects

import (
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	policyv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/policy/v1"
	rbacv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/rbac/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Created is a declared object: the resource, to depend on, and its name,
// an output that resolves once the object exists (so what refers to it by
// name waits for it).
type Created struct {
	Resource pulumi.CustomResource
	Name     pulumi.StringOutput
}

// ObjectArgs describes an object of a kind without Go bindings (a custom
// resource such as a Gateway, a GKE policy or a cert-manager Certificate).
type ObjectArgs struct {
	APIVersion, Kind, Name string
	// Namespace is nil for cluster-scoped objects.
	Namespace   pulumi.StringInput
	Annotations map[string]pulumi.StringInput
	Spec        pulumi.Input
}

// NewObject declares a custom resource.
func NewObject(ctx *pulumi.Context, name string, args *ObjectArgs, opts ...pulumi.ResourceOption) (pulumi.CustomResource, error) {
	meta := &metav1.ObjectMetaArgs{Name: pulumi.String(args.Name), Namespace: args.Namespace}
	if len(args.Annotations) > 0 {
		meta.Annotations = pulumi.StringMap(args.Annotations)
	}
	return apiextensions.NewCustomResource(ctx, name, &apiextensions.CustomResourceArgs{
		ApiVersion:  pulumi.String(args.APIVersion),
		Kind:        pulumi.String(args.Kind),
		Metadata:    meta,
		OtherFields: kubernetes.UntypedArgs{"spec": args.Spec},
	}, opts...)
}

// NewNamespace declares the namespace `namespace`.
func NewNamespace(ctx *pulumi.Context, name, namespace string, labels map[string]string, opts ...pulumi.ResourceOption) (Created, error) {
	meta := &metav1.ObjectMetaArgs{Name: pulumi.String(namespace)}
	if labels != nil {
		meta.Labels = pulumi.ToStringMap(labels)
	}
	ns, err := corev1.NewNamespace(ctx, name, &corev1.NamespaceArgs{Metadata: meta}, opts...)
	if err != nil {
		return Created{}, err
	}
	return Created{Resource: ns, Name: ns.Metadata.Name().Elem()}, nil
}

// SecretArgs describe an Opaque Secret.
type SecretArgs struct {
	Name      string
	Namespace pulumi.StringInput
	// StringData is stored as given: pass Pulumi secrets.
	StringData pulumi.StringMap
}

// NewSecret declares the Secret.
func NewSecret(ctx *pulumi.Context, name string, args *SecretArgs, opts ...pulumi.ResourceOption) (Created, error) {
	s, err := corev1.NewSecret(ctx, name, &corev1.SecretArgs{
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(args.Name), Namespace: args.Namespace},
		Type:       pulumi.String("Opaque"),
		StringData: args.StringData,
	}, opts...)
	if err != nil {
		return Created{}, err
	}
	return Created{Resource: s, Name: s.Metadata.Name().Elem()}, nil
}

// ServiceArgs describe a Service with one TCP port (named "http", the same
// port on the pods) in front of the pods matching Selector.
type ServiceArgs struct {
	Name                string
	Namespace           pulumi.StringInput
	Type                string
	Annotations, Labels map[string]string
	Selector            map[string]string
	Port                int
	// PortName names the port (default "http").
	PortName string
}

// NewService declares the Service.
func NewService(ctx *pulumi.Context, name string, args *ServiceArgs, opts ...pulumi.ResourceOption) (Created, error) {
	portName := args.PortName
	if portName == "" {
		portName = "http"
	}
	svc, err := corev1.NewService(ctx, name, &corev1.ServiceArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name: pulumi.String(args.Name), Namespace: args.Namespace,
			Annotations: pulumi.ToStringMap(args.Annotations), Labels: pulumi.ToStringMap(args.Labels),
		},
		Spec: &corev1.ServiceSpecArgs{
			Type:     pulumi.String(args.Type),
			Selector: pulumi.ToStringMap(args.Selector),
			Ports: corev1.ServicePortArray{&corev1.ServicePortArgs{
				Name: pulumi.String(portName), Protocol: pulumi.String("TCP"),
				Port: pulumi.Int(args.Port), TargetPort: pulumi.Int(args.Port),
			}},
		},
	}, opts...)
	if err != nil {
		return Created{}, err
	}
	return Created{Resource: svc, Name: svc.Metadata.Name().Elem()}, nil
}

// NewPodDisruptionBudget lets voluntary disruptions (node upgrades, repairs)
// take at most maxUnavailable of the pods matching selector at a time.
func NewPodDisruptionBudget(ctx *pulumi.Context, name, pdbName string, namespace pulumi.StringInput, maxUnavailable int, selector map[string]string, opts ...pulumi.ResourceOption) (pulumi.CustomResource, error) {
	return policyv1.NewPodDisruptionBudget(ctx, name, &policyv1.PodDisruptionBudgetArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(pdbName), Namespace: namespace},
		Spec: &policyv1.PodDisruptionBudgetSpecArgs{
			MaxUnavailable: pulumi.Int(maxUnavailable),
			Selector:       &metav1.LabelSelectorArgs{MatchLabels: pulumi.ToStringMap(selector)},
		},
	}, opts...)
}

// TokenGrantArgs describe a service account whose tokens another account
// may request: how a controller (cert-manager) presents a short-lived,
// audience-bound identity to a cloud (AWS web identity) without a stored key.
type TokenGrantArgs struct {
	// Namespace and ServiceAccount name the account whose tokens are minted.
	Namespace      pulumi.StringInput
	ServiceAccount string
	// Requester (in RequesterNamespace) may create tokens for it and for
	// nothing else.
	Requester, RequesterNamespace string
}

// NewTokenGrant declares the service account (no token mounted in pods) as
// `name`, and the Role and RoleBinding that let the requester create its
// tokens as `name`-token. The returned binding is what users of the grant
// depend on.
func NewTokenGrant(ctx *pulumi.Context, name string, args *TokenGrantArgs, opts ...pulumi.ResourceOption) (pulumi.Resource, error) {
	meta := func(n string) *metav1.ObjectMetaArgs {
		return &metav1.ObjectMetaArgs{Name: pulumi.String(n), Namespace: args.Namespace}
	}
	if _, err := corev1.NewServiceAccount(ctx, name, &corev1.ServiceAccountArgs{
		Metadata:                     meta(args.ServiceAccount),
		AutomountServiceAccountToken: pulumi.Bool(false),
	}, opts...); err != nil {
		return nil, err
	}
	role, err := rbacv1.NewRole(ctx, name+"-token", &rbacv1.RoleArgs{
		Metadata: meta(args.ServiceAccount + "-tokenrequest"),
		Rules: rbacv1.PolicyRuleArray{&rbacv1.PolicyRuleArgs{
			ApiGroups:     pulumi.StringArray{pulumi.String("")},
			Resources:     pulumi.StringArray{pulumi.String("serviceaccounts/token")},
			ResourceNames: pulumi.StringArray{pulumi.String(args.ServiceAccount)},
			Verbs:         pulumi.StringArray{pulumi.String("create")},
		}},
	}, opts...)
	if err != nil {
		return nil, err
	}
	return rbacv1.NewRoleBinding(ctx, name+"-token", &rbacv1.RoleBindingArgs{
		Metadata: meta(args.ServiceAccount + "-tokenrequest"),
		RoleRef: &rbacv1.RoleRefArgs{
			ApiGroup: pulumi.String("rbac.authorization.k8s.io"), Kind: pulumi.String("Role"), Name: role.Metadata.Name().Elem(),
		},
		Subjects: rbacv1.SubjectArray{&rbacv1.SubjectArgs{
			Kind: pulumi.String("ServiceAccount"), Name: pulumi.String(args.Requester), Namespace: pulumi.String(args.RequesterNamespace),
		}},
	}, opts...)
}

// IngressArgs describe an Ingress that sends every host, TLS-terminated
// with one certificate Secret, to one Service port.
type IngressArgs struct {
	Name        string
	Namespace   pulumi.StringInput
	Class       string
	Annotations map[string]string
	Hosts       []string
	// TLSSecret holds the certificate for all of Hosts.
	TLSSecret string
	Service   pulumi.StringInput
	Port      int
}

// NewIngress declares the Ingress: one rule per host, path prefix "/".
func NewIngress(ctx *pulumi.Context, name string, args *IngressArgs, opts ...pulumi.ResourceOption) (pulumi.CustomResource, error) {
	var rules networkingv1.IngressRuleArray
	for _, h := range args.Hosts {
		rules = append(rules, &networkingv1.IngressRuleArgs{
			Host: pulumi.String(h),
			Http: &networkingv1.HTTPIngressRuleValueArgs{Paths: networkingv1.HTTPIngressPathArray{&networkingv1.HTTPIngressPathArgs{
				Path: pulumi.String("/"), PathType: pulumi.String("Prefix"),
				Backend: &networkingv1.IngressBackendArgs{Service: &networkingv1.IngressServiceBackendArgs{
					Name: args.Service,
					Port: &networkingv1.ServiceBackendPortArgs{Number: pulumi.Int(args.Port)},
				}},
			}}},
		})
	}
	return networkingv1.NewIngress(ctx, name, &networkingv1.IngressArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name: pulumi.String(args.Name), Namespace: args.Namespace,
			Annotations: pulumi.ToStringMap(args.Annotations),
		},
		Spec: &networkingv1.IngressSpecArgs{
			IngressClassName: pulumi.String(args.Class),
			Tls: networkingv1.IngressTLSArray{&networkingv1.IngressTLSArgs{
				Hosts: pulumi.ToStringArray(args.Hosts), SecretName: pulumi.String(args.TLSSecret),
			}},
			Rules: rules,
		},
	}, opts...)
}

// NetworkPolicyPeer is one side of a NetworkPolicy rule: an address range
// (CIDR, minus Except), or the pods matching PodLabels in the namespaces
// matching NamespaceLabels (both set: pods in those namespaces).
type NetworkPolicyPeer struct {
	CIDR            string
	Except          []string
	NamespaceLabels map[string]string
	PodLabels       map[string]string
}

// NetworkPolicyPort is a protocol (TCP, UDP) and a port: a number, or the
// name of a container port of the selected pods (Name).
type NetworkPolicyPort struct {
	Protocol string
	Number   int
	Name     string
	// EndPort, above Number, makes the port a range Number-EndPort.
	EndPort int
}

// NetworkPolicyRule allows traffic with any of Peers (none: any peer) on
// any of Ports (none: every port).
type NetworkPolicyRule struct {
	Peers []NetworkPolicyPeer
	Ports []NetworkPolicyPort
}

// NetworkPolicyArgs describe a NetworkPolicy selecting the pods matching
// PodLabels (none: every pod of the namespace). Isolating lists the
// directions the selected pods are isolated in ("Ingress", "Egress"):
// only the rules' traffic passes, and a direction without rules is denied
// entirely.
type NetworkPolicyArgs struct {
	Name            string
	Namespace       pulumi.StringInput
	PodLabels       map[string]string
	Isolating       []string
	Ingress, Egress []NetworkPolicyRule
}

// NewNetworkPolicy declares the NetworkPolicy.
func NewNetworkPolicy(ctx *pulumi.Context, name string, args *NetworkPolicyArgs, opts ...pulumi.ResourceOption) (pulumi.CustomResource, error) {
	selector := func(labels map[string]string) *metav1.LabelSelectorArgs {
		if labels == nil {
			return nil
		}
		return &metav1.LabelSelectorArgs{MatchLabels: pulumi.ToStringMap(labels)}
	}
	// An empty list is left out: absent means any peer or port.
	peers := func(ps []NetworkPolicyPeer) networkingv1.NetworkPolicyPeerArrayInput {
		if len(ps) == 0 {
			return nil
		}
		var out networkingv1.NetworkPolicyPeerArray
		for _, p := range ps {
			peer := &networkingv1.NetworkPolicyPeerArgs{
				NamespaceSelector: selector(p.NamespaceLabels),
				PodSelector:       selector(p.PodLabels),
			}
			if p.CIDR != "" {
				block := &networkingv1.IPBlockArgs{Cidr: pulumi.String(p.CIDR)}
				if len(p.Except) > 0 {
					block.Except = pulumi.ToStringArray(p.Except)
				}
				peer.IpBlock = block
			}
			out = append(out, peer)
		}
		return out
	}
	ports := func(ps []NetworkPolicyPort) networkingv1.NetworkPolicyPortArrayInput {
		if len(ps) == 0 {
			return nil
		}
		var out networkingv1.NetworkPolicyPortArray
		for _, p := range ps {
			var port pulumi.Input = pulumi.Int(p.Number)
			if p.Name != "" {
				port = pulumi.String(p.Name)
			}
			np := &networkingv1.NetworkPolicyPortArgs{Protocol: pulumi.String(p.Protocol), Port: port}
			if p.EndPort > p.Number && p.Name == "" {
				np.EndPort = pulumi.IntPtr(p.EndPort)
			}
			out = append(out, np)
		}
		return out
	}
	spec := &networkingv1.NetworkPolicySpecArgs{
		PodSelector: &metav1.LabelSelectorArgs{MatchLabels: pulumi.ToStringMap(args.PodLabels)},
		PolicyTypes: pulumi.ToStringArray(args.Isolating),
	}
	var ingress networkingv1.NetworkPolicyIngressRuleArray
	for _, r := range args.Ingress {
		ingress = append(ingress, &networkingv1.NetworkPolicyIngressRuleArgs{From: peers(r.Peers), Ports: ports(r.Ports)})
	}
	var egress networkingv1.NetworkPolicyEgressRuleArray
	for _, r := range args.Egress {
		egress = append(egress, &networkingv1.NetworkPolicyEgressRuleArgs{To: peers(r.Peers), Ports: ports(r.Ports)})
	}
	if len(ingress) > 0 {
		spec.Ingress = ingress
	}
	if len(egress) > 0 {
		spec.Egress = egress
	}
	return networkingv1.NewNetworkPolicy(ctx, name, &networkingv1.NetworkPolicyArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(args.Name), Namespace: args.Namespace},
		Spec:     spec,
	}, opts...)
}

// NewConfigMap declares a ConfigMap holding data (plain configuration; a
// secret goes in NewSecret).
func NewConfigMap(ctx *pulumi.Context, name, mapName string, namespace pulumi.StringInput, data map[string]string, opts ...pulumi.ResourceOption) (Created, error) {
	cm, err := corev1.NewConfigMap(ctx, name, &corev1.ConfigMapArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(mapName), Namespace: namespace},
		Data:     pulumi.ToStringMap(data),
	}, opts...)
	if err != nil {
		return Created{}, err
	}
	return Created{Resource: cm, Name: cm.Metadata.Name().Elem()}, nil
}
