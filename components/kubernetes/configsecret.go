package kubernetes

import (
	"encoding/json"

	helmv4 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v4"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
	"github.com/livekit-infra/livekit-infra/components/kubernetes/objects"
)

// configSecret is a workload's config Secret (LiveKit's and Egress's): the
// rendered config under ConfigKey plus files (a Redis CA bundle, a
// credentials file), every value a Pulumi secret.
type configSecret struct {
	objects.Created
	// Files are the file keys in order, for the Deployment patch's mounts.
	Files []string
	// Hash changes with any value: the pod annotation ConfigHashAnnotation
	// (components.ConfigDigest), so that a config change rolls the pods.
	Hash pulumi.StringOutput
}

func newConfigSecret(ctx *pulumi.Context, name, secretName string, namespace pulumi.StringInput, config pulumi.StringInput, files map[string]pulumi.StringInput, opts ...pulumi.ResourceOption) (*configSecret, error) {
	data := pulumi.StringMap{ConfigKey: pulumi.ToSecret(config.ToStringOutput()).(pulumi.StringOutput)}
	hashInputs := []pulumi.StringOutput{config.ToStringOutput()}
	keys := sortedKeys(files)
	for _, f := range keys {
		data[f] = pulumi.ToSecret(files[f].ToStringOutput()).(pulumi.StringOutput)
		hashInputs = append(hashInputs, pulumi.String(f).ToStringOutput(), files[f].ToStringOutput())
	}
	secret, err := objects.NewSecret(ctx, name+"-config", &objects.SecretArgs{
		Name: secretName, Namespace: namespace, StringData: data,
	}, opts...)
	if err != nil {
		return nil, err
	}
	return &configSecret{Created: secret, Files: keys, Hash: components.ConfigDigest(hashInputs...)}, nil
}

// configuredChart is one of LiveKit's charts (livekit-server, egress) in a
// namespace of its own, its config in a configSecret that Patch makes the
// chart's Deployment read instead of the chart's ConfigMap.
type configuredChart struct {
	Namespace       string
	NamespaceLabels map[string]string
	SecretName      string
	Config          pulumi.StringInput
	Files           map[string]pulumi.StringInput
	// Chart and Release name the chart and its Helm release; Repo ""
	// is LiveKit's repository (ChartRepo).
	Chart, Release, Version, Repo string
	Values                        map[string]any
	Patch                         func(*configSecret) pulumi.ResourceTransform
	// DependsOn must exist before the chart, beside the Secret.
	DependsOn []pulumi.Resource
}

// installConfiguredChart declares the namespace, the config Secret and the
// chart, on provider's cluster.
func installConfiguredChart(ctx *pulumi.Context, name string, c configuredChart, parent, provider pulumi.ResourceOption) (objects.Created, *configSecret, *helmv4.Chart, error) {
	ns, err := objects.NewNamespace(ctx, name, c.Namespace, c.NamespaceLabels, parent, provider)
	if err != nil {
		return objects.Created{}, nil, nil, err
	}
	secret, err := newConfigSecret(ctx, name, c.SecretName, ns.Name, c.Config, c.Files, parent, provider)
	if err != nil {
		return objects.Created{}, nil, nil, err
	}
	repo := c.Repo
	if repo == "" {
		repo = ChartRepo
	}
	chart, err := helmv4.NewChart(ctx, name, &helmv4.ChartArgs{
		Chart:          pulumi.String(c.Chart),
		Version:        pulumi.String(c.Version),
		RepositoryOpts: &helmv4.RepositoryOptsArgs{Repo: pulumi.String(repo)},
		Name:           pulumi.String(c.Release),
		Namespace:      ns.Name,
		Values:         ToInput(c.Values).(pulumi.Map),
	}, parent, provider, pulumi.DependsOn(append([]pulumi.Resource{secret.Resource}, c.DependsOn...)),
		pulumi.Transforms([]pulumi.ResourceTransform{c.Patch(secret)}))
	if err != nil {
		return objects.Created{}, nil, nil, err
	}
	return ns, secret, chart, nil
}

// jsonMap turns typed chart values into the JSON-shaped map Helm takes.
func jsonMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	err = json.Unmarshal(b, &m)
	return m, err
}
