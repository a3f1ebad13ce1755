package kubernetes_test

import (
	"context"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	lkk8s "github.com/livekit-infra/livekit-infra/components/kubernetes"
)

// egressChartDeployment mirrors the egress chart 1.9.0 Deployment
// (templates/deployment.yaml) as the engine hands it to a transform.
func egressChartDeployment() pulumi.Map {
	return pulumi.Map{
		"apiVersion": pulumi.String("apps/v1"),
		"kind":       pulumi.String("Deployment"),
		"metadata":   pulumi.Map{"name": pulumi.String(lkk8s.EgressFullName)},
		"spec": pulumi.Map{"template": pulumi.Map{
			"metadata": pulumi.Map{"annotations": pulumi.Map{"checksum/config": pulumi.String("abc")}},
			"spec": pulumi.Map{"containers": pulumi.Array{pulumi.Map{
				"name":  pulumi.String("egress"),
				"image": pulumi.String("livekit/egress:v1.14.1"),
				"env": pulumi.Array{pulumi.Map{"name": pulumi.String("EGRESS_CONFIG_BODY"), "valueFrom": pulumi.Map{
					"configMapKeyRef": pulumi.Map{"name": pulumi.String("egress"), "key": pulumi.String("config.yaml")},
				}}},
			}}},
		}},
	}
}

// The chart reads EGRESS_CONFIG_BODY from its ConfigMap; the patch takes
// it from our Secret instead, mounts the Secret's files (the Redis CA),
// pins the image by digest and stamps the config hash.
func TestEgressPatch(t *testing.T) {
	const image = "mirror.example/livekit/egress:v1.14.1@sha256:bf2b648b947349c3e9ff7aa8c718f00378d5c06af7624652a3653318e00333ce"
	patch := lkk8s.EgressPatch{Files: []string{"redis-ca.pem"}, ConfigHash: pulumi.String("cafe"), Image: image}
	res := patch.Transform(context.Background(), &pulumi.ResourceTransformArgs{Type: "kubernetes:apps/v1:Deployment", Name: "egress", Props: egressChartDeployment()})
	if res == nil {
		t.Fatal("the egress Deployment was not patched")
	}
	spec := res.Props["spec"].(pulumi.Map)["template"].(pulumi.Map)["spec"].(pulumi.Map)
	c := spec["containers"].(pulumi.Array)[0].(pulumi.Map)
	env := c["env"].(pulumi.Array)
	if len(env) != 1 {
		t.Fatalf("env = %v, want EGRESS_CONFIG_BODY only", env)
	}
	from := env[0].(pulumi.Map)["valueFrom"].(pulumi.Map)
	if _, ok := from["configMapKeyRef"]; ok {
		t.Error("EGRESS_CONFIG_BODY still comes from the chart's ConfigMap")
	}
	ref, _ := from["secretKeyRef"].(pulumi.Map)
	if ref["name"] != pulumi.String(lkk8s.EgressSecretName) || ref["key"] != pulumi.String(lkk8s.ConfigKey) {
		t.Errorf("EGRESS_CONFIG_BODY secretKeyRef = %v", ref)
	}
	if c["image"] != pulumi.String(image) {
		t.Errorf("image = %v, want %s", c["image"], image)
	}
	mount := c["volumeMounts"].(pulumi.Array)[0].(pulumi.Map)
	if mount["mountPath"] != pulumi.String(lkk8s.EgressConfigDir) || mount["readOnly"] != pulumi.Bool(true) {
		t.Errorf("mount = %v", mount)
	}
	vol := spec["volumes"].(pulumi.Array)[0].(pulumi.Map)["secret"].(pulumi.Map)
	if vol["secretName"] != pulumi.String(lkk8s.EgressSecretName) {
		t.Errorf("volume = %v", vol)
	}
	if spec["automountServiceAccountToken"] != pulumi.Bool(false) {
		t.Error("the Egress pods mount a Kubernetes API token")
	}
	ann := res.Props["spec"].(pulumi.Map)["template"].(pulumi.Map)["metadata"].(pulumi.Map)["annotations"].(pulumi.Map)
	if _, ok := ann["checksum/config"]; ok || ann[lkk8s.ConfigHashAnnotation] != pulumi.String("cafe") {
		t.Errorf("annotations = %v", ann)
	}
	if r := patch.Transform(context.Background(), &pulumi.ResourceTransformArgs{Type: "kubernetes:core/v1:ConfigMap", Props: pulumi.Map{"metadata": pulumi.Map{"name": pulumi.String("egress")}}}); r != nil {
		t.Error("the ConfigMap was patched")
	}
	broken := egressChartDeployment()
	broken["spec"].(pulumi.Map)["template"].(pulumi.Map)["spec"].(pulumi.Map)["containers"] = pulumi.Array{pulumi.Map{"name": pulumi.String("other")}}
	if _, err := patch.Apply(broken); err == nil {
		t.Error("a Deployment without the egress container was accepted")
	}
}

// Bad workload args are all reported at once.
func TestEgressWorkloadValidate(t *testing.T) {
	a := &lkk8s.EgressWorkloadArgs{ChartVersion: "^1.9", Image: "livekit/egress:latest"}
	err := a.Validate("e")
	if err == nil {
		t.Fatal("invalid args accepted")
	}
	for _, w := range []string{"Provider", "ChartVersion", "Image", "Config", "Resources", "Scaling"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %s: %v", w, err)
		}
	}
}
