package kubernetes

import (
	"context"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The official charts (livekit-server, egress) read their config from a
// ConfigMap, which would put API secrets and Redis passwords in plain
// cluster objects. Both patches rewrite the chart's Deployment the same
// way: the config from our Secret through an environment variable, the
// chart's config checksum replaced by ours, no service account token, the
// image by digest. What differs (files, probes, labels) is each patch's.

// deploymentTransform applies apply to the chart child that is the
// Deployment named name, and leaves every other child alone. A Deployment
// that no longer has the expected shape must never deploy with the chart's
// keyless ConfigMap config: it panics, failing the preview.
func deploymentTransform(name string, apply func(pulumi.Map) (pulumi.Map, error)) pulumi.ResourceTransform {
	return func(_ context.Context, args *pulumi.ResourceTransformArgs) *pulumi.ResourceTransformResult {
		if args.Type != "kubernetes:apps/v1:Deployment" {
			return nil
		}
		if n, _ := lookupString(args.Props, "metadata", "name"); n != name {
			return nil
		}
		props, err := apply(args.Props)
		if err != nil {
			panic(fmt.Sprintf("livekit-infra: cannot patch the %s Deployment: %v", name, err))
		}
		return &pulumi.ResourceTransformResult{Props: props, Opts: args.Opts}
	}
}

// patchPodTemplate returns a copy of a Deployment's properties with the
// chart's config checksum replaced by configHash (when set) and no service
// account token (neither LiveKit nor Egress calls the Kubernetes API), plus
// the copy's pod spec and template metadata for the caller's own edits.
func patchPodTemplate(props pulumi.Map, configHash pulumi.StringInput) (out, spec, meta pulumi.Map, err error) {
	out = deepCopy(props).(pulumi.Map)
	if spec, err = childMap(out, "spec", "template", "spec"); err != nil {
		return nil, nil, nil, err
	}
	if meta, err = ensureMap(out, "spec", "template", "metadata"); err != nil {
		return nil, nil, nil, err
	}
	ann, _ := meta["annotations"].(pulumi.Map)
	if ann == nil {
		ann = pulumi.Map{}
	}
	// The chart's checksum covers its ConfigMap, which the pod no longer reads.
	delete(ann, "checksum/config")
	if configHash != nil {
		ann[ConfigHashAnnotation] = configHash
	}
	meta["annotations"] = ann
	spec["automountServiceAccountToken"] = pulumi.Bool(false)
	return out, spec, meta, nil
}

// patchContainer edits the container named name in spec: a copy whose
// first variable envName reads ConfigKey of secretName (replacing the
// chart's), with image when set, then edit for the rest.
func patchContainer(spec pulumi.Map, name, envName, secretName, image string, edit func(pulumi.Map)) error {
	containers, ok := spec["containers"].(pulumi.Array)
	if !ok {
		return fmt.Errorf("spec.template.spec.containers is missing")
	}
	found := false
	for i, c := range containers {
		cm, ok := c.(pulumi.Map)
		if !ok {
			continue
		}
		if n, _ := cm["name"].(pulumi.String); string(n) != name {
			continue
		}
		found = true
		cm = deepCopy(cm).(pulumi.Map)
		env := pulumi.Array{pulumi.Map{
			"name": pulumi.String(envName),
			"valueFrom": pulumi.Map{"secretKeyRef": pulumi.Map{
				"name": pulumi.String(secretName), "key": pulumi.String(ConfigKey),
			}},
		}}
		old, _ := cm["env"].(pulumi.Array)
		for _, e := range old {
			if em, ok := e.(pulumi.Map); ok {
				if n, _ := em["name"].(pulumi.String); string(n) == envName {
					continue
				}
			}
			env = append(env, e)
		}
		cm["env"] = env
		if image != "" {
			cm["image"] = pulumi.String(image)
		}
		if edit != nil {
			edit(cm)
		}
		containers[i] = cm
	}
	if !found {
		return fmt.Errorf("no container named %s", name)
	}
	spec["containers"] = containers
	return nil
}
