// The LiveKit Deployment patch: what the livekit-server chart cannot express.
package kubernetes

import (
	"context"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components/livekit"
)

// DeploymentPatch rewrites the chart's Deployment: LIVEKIT_CONFIG from the
// Secret instead of the chart's ConfigMap, the Secret's files mounted at
// ConfigDir, explicit probes on GET /, no service account token, and a
// pod-template annotation that changes with the config.
type DeploymentPatch struct {
	SecretName string
	Files      []string
	ConfigHash pulumi.StringInput
	// Image, if set, replaces the chart's "repository:tag" image: the
	// chart cannot express a digest.
	Image string
}

// Transform is the pulumi.ResourceTransform applied to the chart's children.
func (p DeploymentPatch) Transform(ctx context.Context, args *pulumi.ResourceTransformArgs) *pulumi.ResourceTransformResult {
	return deploymentTransform(FullName, p.Apply)(ctx, args)
}

// Apply returns a patched copy of a Deployment's properties.
func (p DeploymentPatch) Apply(props pulumi.Map) (pulumi.Map, error) {
	out, spec, _, err := patchPodTemplate(props, p.ConfigHash)
	if err != nil {
		return nil, err
	}
	volumes, _ := spec["volumes"].(pulumi.Array)
	items := pulumi.Array{pulumi.Map{"key": pulumi.String(ConfigKey), "path": pulumi.String(ConfigKey)}}
	for _, f := range p.Files {
		items = append(items, pulumi.Map{"key": pulumi.String(f), "path": pulumi.String(f)})
	}
	// Owner root, group fsGroup (RunAsUser): readable by LiveKit's group
	// only, whatever the kubelet's fsGroup handling adds.
	spec["volumes"] = append(volumes, pulumi.Map{
		"name":   pulumi.String("livekit-config"),
		"secret": pulumi.Map{"secretName": pulumi.String(p.SecretName), "defaultMode": pulumi.Int(0o440), "items": items},
	}, pulumi.Map{
		"name":     pulumi.String("tmp"),
		"emptyDir": pulumi.Map{"sizeLimit": pulumi.String("64Mi")},
	})
	err = patchContainer(spec, ChartName, "LIVEKIT_CONFIG", p.SecretName, p.Image, func(cm pulumi.Map) {
		// Strict parsing: our config is checked by LiveKit's strict parser in
		// tests, so an unknown key at runtime is a bug worth failing on.
		delete(cm, "args")
		mounts, _ := cm["volumeMounts"].(pulumi.Array)
		cm["volumeMounts"] = append(mounts, pulumi.Map{
			"name": pulumi.String("livekit-config"), "mountPath": pulumi.String(ConfigDir), "readOnly": pulumi.Bool(true),
		}, pulumi.Map{"name": pulumi.String("tmp"), "mountPath": pulumi.String(TmpDir)})
		// GET / answers 200, or 406 once the node has lost Redis: readiness
		// takes such a node out of the load balancer quickly; liveness
		// restarts it only after a minute, so a Redis blip does not kill
		// every room.
		cm["readinessProbe"] = probe(5, 2, 0)
		cm["livenessProbe"] = probe(10, 6, 10)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func probe(period, failures, delay int) pulumi.Map {
	return pulumi.Map{
		"httpGet":             pulumi.Map{"path": pulumi.String(livekit.HealthPath), "port": pulumi.Int(livekit.SignalPort)},
		"periodSeconds":       pulumi.Int(period),
		"failureThreshold":    pulumi.Int(failures),
		"initialDelaySeconds": pulumi.Int(delay),
		"timeoutSeconds":      pulumi.Int(2),
	}
}

func deepCopy(v pulumi.Input) pulumi.Input {
	switch t := v.(type) {
	case pulumi.Map:
		m := make(pulumi.Map, len(t))
		for k, e := range t {
			m[k] = deepCopy(e)
		}
		return m
	case pulumi.Array:
		a := make(pulumi.Array, len(t))
		for i, e := range t {
			a[i] = deepCopy(e)
		}
		return a
	default:
		return v
	}
}

func childMap(m pulumi.Map, path ...string) (pulumi.Map, error) {
	cur := m
	for i, k := range path {
		next, ok := cur[k].(pulumi.Map)
		if !ok {
			return nil, fmt.Errorf("%s is missing", strings.Join(path[:i+1], "."))
		}
		cur = next
	}
	return cur, nil
}

func ensureMap(m pulumi.Map, path ...string) (pulumi.Map, error) {
	parent, err := childMap(m, path[:len(path)-1]...)
	if err != nil {
		return nil, err
	}
	last := path[len(path)-1]
	if next, ok := parent[last].(pulumi.Map); ok {
		return next, nil
	}
	next := pulumi.Map{}
	parent[last] = next
	return next, nil
}

func lookupString(m pulumi.Map, path ...string) (string, bool) {
	parent, err := childMap(m, path[:len(path)-1]...)
	if err != nil {
		return "", false
	}
	s, ok := parent[path[len(path)-1]].(pulumi.String)
	return string(s), ok
}
