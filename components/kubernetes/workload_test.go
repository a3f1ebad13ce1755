package kubernetes_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	k8s "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	lkk8s "github.com/livekit-infra/livekit-infra/components/kubernetes"
	"github.com/livekit-infra/livekit-infra/components/livekit"
	"github.com/livekit-infra/livekit-infra/internal/plan"
)

const (
	secretConfig = "keys:\n  APIabc: SUPERSECRETvalue0123456789abcdefghijklmnop\nredis:\n  password: REDISPASSWORDxyz\n"
	secretCA     = "-----BEGIN CERTIFICATE-----\nMIIBfakeCA\n-----END CERTIFICATE-----\n"
)

func validArgs() *lkk8s.LiveKitWorkloadArgs {
	return &lkk8s.LiveKitWorkloadArgs{
		ChartVersion: "1.9.0",
		Image:        livekit.Image,
		Config:       pulumi.String(secretConfig),
		Media:        livekit.MediaPorts{Start: 50000, End: 60000},
		TURNUDPPort:  3478,
		Resources:    lkk8s.Resources{CPU: "3", Memory: "8Gi"},
		Scaling:      lkk8s.Scaling{Min: 3, Max: 10, CPUTarget: 70},
		DrainSeconds: 18000,
		NodeSelector: map[string]string{"livekit-infra/role": "media"},
	}
}

func get(t *testing.T, m map[string]any, path string) any {
	t.Helper()
	var cur any = m
	for _, k := range strings.Split(path, ".") {
		mm, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("%s: %q is not an object", path, k)
		}
		if cur, ok = mm[k]; !ok {
			t.Fatalf("%s: %q missing", path, k)
		}
	}
	return cur
}

func TestChartValues(t *testing.T) {
	v, err := lkk8s.ChartValues(validArgs())
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]any{
		"podHostNetwork":                                  true,
		"terminationGracePeriodSeconds":                   float64(18000),
		"image.repository":                                "livekit/livekit-server",
		"image.tag":                                       "v1.13.5",
		"fullnameOverride":                                "livekit-server",
		"autoscaling.enabled":                             true,
		"autoscaling.minReplicas":                         float64(3),
		"autoscaling.maxReplicas":                         float64(10),
		"autoscaling.targetCPUUtilizationPercentage":      float64(70),
		"resources.requests.cpu":                          "3",
		"resources.requests.memory":                       "8Gi",
		"resources.limits.memory":                         "8Gi",
		"loadBalancer.type":                               "disable",
		"storeKeysInSecret.enabled":                       false,
		"livekit.port":                                    float64(7880),
		"livekit.prometheus_port":                         float64(6789),
		"livekit.rtc.tcp_port":                            float64(7881),
		"livekit.rtc.port_range_start":                    float64(50000),
		"livekit.rtc.port_range_end":                      float64(60000),
		"livekit.turn.enabled":                            true,
		"livekit.turn.udp_port":                           float64(3478),
		"nodeSelector.livekit-infra/role":                 "media",
		"deploymentStrategy.rollingUpdate.maxUnavailable": float64(0),
		"securityContext.allowPrivilegeEscalation":        false,
		"podAnnotations.cluster-autoscaler.kubernetes.io/safe-to-evict": "false",
	}
	for path, want := range checks {
		var got any
		if strings.HasPrefix(path, "nodeSelector.") || strings.HasPrefix(path, "podAnnotations.") {
			head, key, _ := strings.Cut(path, ".")
			got = get(t, v, head).(map[string]any)[key]
		} else {
			got = get(t, v, path)
		}
		if got != want {
			t.Errorf("values.%s = %v (%T), want %v", path, got, got, want)
		}
	}
	// One LiveKit pod per node.
	terms := get(t, v, "affinity.podAntiAffinity").(map[string]any)["requiredDuringSchedulingIgnoredDuringExecution"].([]any)
	if len(terms) != 1 || terms[0].(map[string]any)["topologyKey"] != "kubernetes.io/hostname" {
		t.Errorf("anti-affinity = %v, want one required term on kubernetes.io/hostname", terms)
	}
	sel := terms[0].(map[string]any)["labelSelector"].(map[string]any)["matchLabels"].(map[string]any)
	for k, want := range lkk8s.SelectorLabels() {
		if sel[k] != want {
			t.Errorf("anti-affinity selector %s = %v, want %s", k, sel[k], want)
		}
	}
	// Nothing secret, and no config the chart's ConfigMap could leak.
	lk := get(t, v, "livekit").(map[string]any)
	for _, k := range []string{"keys", "redis", "key_file"} {
		if _, ok := lk[k]; ok {
			t.Errorf("values.livekit.%s is set; keys and Redis must only be in the Secret", k)
		}
	}
	b, _ := json.Marshal(v)
	for _, s := range []string{"SUPERSECRET", "REDISPASSWORD", "BEGIN CERTIFICATE"} {
		if strings.Contains(string(b), s) {
			t.Errorf("chart values contain %q", s)
		}
	}
}

func TestChartValuesMuxedUDP(t *testing.T) {
	a := validArgs()
	a.Media = livekit.MediaPorts{Mux: 7882}
	a.TURNUDPPort = 0
	v, err := lkk8s.ChartValues(a)
	if err != nil {
		t.Fatal(err)
	}
	rtc := get(t, v, "livekit.rtc").(map[string]any)
	if rtc["udp_port"] != float64(7882) || rtc["port_range_start"] != nil {
		t.Errorf("rtc = %v, want udp_port 7882 and no range", rtc)
	}
	if get(t, v, "livekit.turn.enabled") != false {
		t.Error("TURN enabled without a TURN port")
	}
}

func TestValidateReportsEverything(t *testing.T) {
	a := validArgs()
	a.ChartVersion = "^1.9"
	a.Image = "livekit/livekit-server:latest"
	a.DrainSeconds = 30
	a.Resources.Memory = "8G"
	a.Scaling.Max = 1
	a.Files = map[string]pulumi.StringInput{"config.yaml": pulumi.String("x")}
	err := a.Validate("lk")
	if err == nil {
		t.Fatal("invalid args accepted")
	}
	for _, want := range []string{"Provider is required", "ChartVersion", "latest", "DrainSeconds 30", "Resources.Memory", "Scaling.Max 1", "Files"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}

// chartDeployment mirrors the shape of the chart 1.9.0 Deployment as the
// engine hands it to a transform.
func chartDeployment() pulumi.Map {
	return pulumi.Map{
		"apiVersion": pulumi.String("apps/v1"),
		"kind":       pulumi.String("Deployment"),
		"metadata":   pulumi.Map{"name": pulumi.String("livekit-server")},
		"spec": pulumi.Map{
			"template": pulumi.Map{
				"metadata": pulumi.Map{"annotations": pulumi.Map{
					"checksum/config":         pulumi.String("abc"),
					"sidecar.istio.io/inject": pulumi.String("false"),
				}},
				"spec": pulumi.Map{
					"hostNetwork": pulumi.Bool(true),
					"containers": pulumi.Array{pulumi.Map{
						"name":  pulumi.String("livekit-server"),
						"image": pulumi.String("livekit/livekit-server:v1.13.5"),
						"args":  pulumi.Array{pulumi.String("--disable-strict-config")},
						"env": pulumi.Array{
							pulumi.Map{"name": pulumi.String("LIVEKIT_CONFIG"), "valueFrom": pulumi.Map{"configMapKeyRef": pulumi.Map{
								"name": pulumi.String("livekit-server"), "key": pulumi.String("config.yaml"),
							}}},
						},
						"livenessProbe":  pulumi.Map{"httpGet": pulumi.Map{"path": pulumi.String("/"), "port": pulumi.String("http")}},
						"readinessProbe": pulumi.Map{"httpGet": pulumi.Map{"path": pulumi.String("/"), "port": pulumi.String("http")}},
					}},
				},
			},
		},
	}
}

func TestDeploymentPatch(t *testing.T) {
	patch := lkk8s.DeploymentPatch{SecretName: lkk8s.SecretName, Files: []string{"redis-ca.pem"}, ConfigHash: pulumi.String("deadbeef")}
	orig := chartDeployment()
	res := patch.Transform(context.Background(), &pulumi.ResourceTransformArgs{Type: "kubernetes:apps/v1:Deployment", Name: "livekit-server", Props: orig})
	if res == nil {
		t.Fatal("the chart's Deployment was not patched")
	}
	spec := res.Props["spec"].(pulumi.Map)["template"].(pulumi.Map)["spec"].(pulumi.Map)
	c := spec["containers"].(pulumi.Array)[0].(pulumi.Map)

	env := c["env"].(pulumi.Array)
	if len(env) != 1 {
		t.Fatalf("env = %v, want LIVEKIT_CONFIG only", env)
	}
	from := env[0].(pulumi.Map)["valueFrom"].(pulumi.Map)
	if _, ok := from["configMapKeyRef"]; ok {
		t.Error("LIVEKIT_CONFIG still comes from the chart's ConfigMap")
	}
	ref := from["secretKeyRef"].(pulumi.Map)
	if ref["name"] != pulumi.String(lkk8s.SecretName) || ref["key"] != pulumi.String(lkk8s.ConfigKey) {
		t.Errorf("LIVEKIT_CONFIG secretKeyRef = %v", ref)
	}
	if _, ok := c["args"]; ok {
		t.Error("--disable-strict-config is still passed")
	}
	mount := c["volumeMounts"].(pulumi.Array)[0].(pulumi.Map)
	if mount["mountPath"] != pulumi.String(lkk8s.ConfigDir) || mount["readOnly"] != pulumi.Bool(true) {
		t.Errorf("mount = %v", mount)
	}
	vol := spec["volumes"].(pulumi.Array)[0].(pulumi.Map)["secret"].(pulumi.Map)
	if vol["secretName"] != pulumi.String(lkk8s.SecretName) || vol["defaultMode"] != pulumi.Int(0o440) {
		t.Errorf("volume = %v", vol)
	}
	var paths []string
	for _, it := range vol["items"].(pulumi.Array) {
		paths = append(paths, string(it.(pulumi.Map)["path"].(pulumi.String)))
	}
	if strings.Join(paths, ",") != "config.yaml,redis-ca.pem" {
		t.Errorf("secret items = %v", paths)
	}
	if lkk8s.FilePath("redis-ca.pem") != "/etc/livekit/redis-ca.pem" {
		t.Errorf("FilePath = %s", lkk8s.FilePath("redis-ca.pem"))
	}
	for _, p := range []string{"readinessProbe", "livenessProbe"} {
		hg := c[p].(pulumi.Map)["httpGet"].(pulumi.Map)
		if hg["path"] != pulumi.String("/") || hg["port"] != pulumi.Int(7880) {
			t.Errorf("%s.httpGet = %v, want GET / on 7880", p, hg)
		}
	}
	if c["livenessProbe"].(pulumi.Map)["failureThreshold"].(pulumi.Int) < 3 {
		t.Error("liveness restarts a node on a short Redis blip")
	}
	if spec["automountServiceAccountToken"] != pulumi.Bool(false) {
		t.Error("service account token is mounted")
	}
	ann := res.Props["spec"].(pulumi.Map)["template"].(pulumi.Map)["metadata"].(pulumi.Map)["annotations"].(pulumi.Map)
	if ann[lkk8s.ConfigHashAnnotation] != pulumi.String("deadbeef") {
		t.Errorf("config hash annotation = %v", ann[lkk8s.ConfigHashAnnotation])
	}
	if _, ok := ann["checksum/config"]; ok {
		t.Error("the chart's ConfigMap checksum is kept")
	}
	// The original is untouched (transforms must not mutate their input).
	oc := orig["spec"].(pulumi.Map)["template"].(pulumi.Map)["spec"].(pulumi.Map)["containers"].(pulumi.Array)[0].(pulumi.Map)
	if _, ok := oc["args"]; !ok {
		t.Error("the transform mutated its input")
	}

	for _, other := range []pulumi.ResourceTransformArgs{
		{Type: "kubernetes:core/v1:ConfigMap", Props: pulumi.Map{"metadata": pulumi.Map{"name": pulumi.String("livekit-server")}}},
		{Type: "kubernetes:apps/v1:Deployment", Props: pulumi.Map{"metadata": pulumi.Map{"name": pulumi.String("something-else")}}},
	} {
		if r := patch.Transform(context.Background(), &other); r != nil {
			t.Errorf("transform changed %s %v", other.Type, other.Props["metadata"])
		}
	}
	broken := chartDeployment()
	broken["spec"].(pulumi.Map)["template"].(pulumi.Map)["spec"].(pulumi.Map)["containers"] = pulumi.Array{pulumi.Map{"name": pulumi.String("other")}}
	if _, err := patch.Apply(broken); err == nil {
		t.Error("a Deployment without the livekit-server container was accepted")
	}
}

func TestWorkloadUnderMocks(t *testing.T) {
	sc := &plan.StackConfig{Project: "livekit-infra", Stack: "k8s-unit", Config: map[string]string{}}
	p, err := plan.Evaluate(sc, func(ctx *pulumi.Context) (pulumi.Map, error) {
		prov, err := k8s.NewProvider(ctx, "cluster", &k8s.ProviderArgs{Kubeconfig: pulumi.String("{}")})
		if err != nil {
			return nil, err
		}
		a := validArgs()
		a.Provider = prov
		a.Config = pulumi.ToSecret(pulumi.String(secretConfig)).(pulumi.StringOutput)
		a.Files = map[string]pulumi.StringInput{"redis-ca.pem": pulumi.String(secretCA)}
		a.Service = lkk8s.ServiceArgs{Annotations: map[string]string{"example.com/a": "b"}}
		w, err := lkk8s.NewLiveKitWorkload(ctx, "livekit", a)
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"service": w.ServiceName, "namespace": w.Namespace}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	provURN := ""
	for _, r := range p.ByType("pulumi:providers:kubernetes") {
		provURN = r.URN
	}
	if provURN == "" {
		t.Fatal("no kubernetes provider")
	}

	chart, ok := p.Find("kubernetes:helm.sh/v4:Chart", "livekit")
	if !ok {
		t.Fatal("no chart")
	}
	if !strings.HasPrefix(chart.Provider, provURN) {
		t.Errorf("chart provider = %q, want the cluster's %q", chart.Provider, provURN)
	}
	for path, want := range map[string]any{
		"chart": "livekit-server", "version": "1.9.0", "repositoryOpts.repo": "https://helm.livekit.io",
		"name": "livekit", "namespace": "livekit", "values.podHostNetwork": true,
		"values.image.tag": "v1.13.5", "values.terminationGracePeriodSeconds": 18000,
	} {
		if got, _ := chart.Input(path); got != want {
			t.Errorf("chart %s = %v, want %v", path, got, want)
		}
	}
	cj, _ := json.Marshal(chart.RawInputs)
	for _, s := range []string{"SUPERSECRET", "REDISPASSWORD", "MIIBfakeCA"} {
		if strings.Contains(string(cj), s) {
			t.Errorf("chart inputs contain %q: secrets must stay in the Secret", s)
		}
	}

	sec, ok := p.Find("kubernetes:core/v1:Secret", "livekit-config")
	if !ok {
		t.Fatal("no config Secret")
	}
	if sec.InputString("metadata.name") != lkk8s.SecretName || !strings.HasPrefix(sec.Provider, provURN) {
		t.Errorf("secret name %q provider %q", sec.InputString("metadata.name"), sec.Provider)
	}
	for _, k := range []string{"stringData[\"config.yaml\"]", "stringData[\"redis-ca.pem\"]"} {
		if !sec.IsSecret(k) {
			t.Errorf("secret %s is not a Pulumi secret", k)
		}
	}
	if raw, _ := sec.RawInput("stringData[\"config.yaml\"]"); raw != secretConfig {
		t.Errorf("secret config = %v", raw)
	}
	pj, _ := p.JSON()
	if strings.Contains(string(pj), "SUPERSECRET") {
		t.Error("the plan shows the API secret")
	}

	svc, ok := p.Find("kubernetes:core/v1:Service", "livekit-signal")
	if !ok {
		t.Fatal("no signaling Service")
	}
	for path, want := range map[string]any{
		"spec.type": "ClusterIP", "spec.ports[0].port": 7880, "spec.ports[0].targetPort": 7880,
		`spec.selector["app.kubernetes.io/instance"]`: "livekit", `spec.selector["app.kubernetes.io/name"]`: "livekit-server",
		`metadata.annotations["example.com/a"]`: "b",
	} {
		if got, _ := svc.Input(path); got != want {
			t.Errorf("service %s = %v, want %v", path, got, want)
		}
	}

	pdb, ok := p.Find("kubernetes:policy/v1:PodDisruptionBudget", "livekit")
	if !ok {
		t.Fatal("no PodDisruptionBudget")
	}
	if got, _ := pdb.Input("spec.maxUnavailable"); got != 1 {
		t.Errorf("PDB maxUnavailable = %v", got)
	}
	if got := pdb.InputString(`spec.selector.matchLabels["app.kubernetes.io/instance"]`); got != "livekit" {
		t.Errorf("PDB selector = %v", got)
	}
	if p.Outputs["namespace"] != "livekit" || p.Outputs["service"] != "livekit-signal" {
		t.Errorf("outputs = %v", p.Outputs)
	}

	// Pod Security Admission: host networking rules out baseline, so the
	// namespace enforces privileged and audits and warns at baseline.
	ns, ok := p.Find("kubernetes:core/v1:Namespace", "livekit")
	if !ok {
		t.Fatal("no namespace")
	}
	for k, want := range map[string]string{
		"pod-security.kubernetes.io/enforce": "privileged",
		"pod-security.kubernetes.io/audit":   "baseline",
		"pod-security.kubernetes.io/warn":    "baseline",
	} {
		if got := ns.InputString(`metadata.labels["` + k + `"]`); got != want {
			t.Errorf("namespace label %s = %q, want %q", k, got, want)
		}
	}
}

// The pod runs as a fixed non-root UID with a read-only root filesystem
// (#17 item 9): the official image has no USER, so without runAsUser the
// kubelet would start it as root.
func TestPodSecurity(t *testing.T) {
	v, err := lkk8s.ChartValues(validArgs())
	if err != nil {
		t.Fatal(err)
	}
	uid := float64(lkk8s.RunAsUser)
	if uid == 0 {
		t.Fatal("RunAsUser is root")
	}
	for path, want := range map[string]any{
		"podSecurityContext.runAsNonRoot":          true,
		"podSecurityContext.runAsUser":             uid,
		"podSecurityContext.runAsGroup":            uid,
		"podSecurityContext.fsGroup":               uid,
		"podSecurityContext.seccompProfile.type":   "RuntimeDefault",
		"securityContext.runAsNonRoot":             true,
		"securityContext.runAsUser":                uid,
		"securityContext.readOnlyRootFilesystem":   true,
		"securityContext.allowPrivilegeEscalation": false,
	} {
		if got := get(t, v, path); got != want {
			t.Errorf("values.%s = %v, want %v", path, got, want)
		}
	}
	if caps := get(t, v, "securityContext.capabilities.drop").([]any); len(caps) != 1 || caps[0] != "ALL" {
		t.Errorf("capabilities dropped: %v, want ALL", caps)
	}
	// Privileged ports would need root or NET_BIND_SERVICE: every port
	// LiveKit binds must be unprivileged.
	for _, path := range []string{"livekit.port", "livekit.prometheus_port", "livekit.rtc.tcp_port", "livekit.rtc.port_range_start", "livekit.turn.udp_port"} {
		if p := get(t, v, path).(float64); p < 1024 {
			t.Errorf("values.%s = %v: a non-root LiveKit cannot bind it", path, p)
		}
	}

	// With a read-only root, the only writable path is the /tmp emptyDir.
	patch := lkk8s.DeploymentPatch{SecretName: lkk8s.SecretName}
	res := patch.Transform(context.Background(), &pulumi.ResourceTransformArgs{Type: "kubernetes:apps/v1:Deployment", Name: "livekit-server", Props: chartDeployment()})
	spec := res.Props["spec"].(pulumi.Map)["template"].(pulumi.Map)["spec"].(pulumi.Map)
	var tmpVol bool
	for _, vol := range spec["volumes"].(pulumi.Array) {
		vm := vol.(pulumi.Map)
		if vm["name"] == pulumi.String("tmp") {
			_, tmpVol = vm["emptyDir"]
		}
	}
	var tmpMount bool
	for _, m := range spec["containers"].(pulumi.Array)[0].(pulumi.Map)["volumeMounts"].(pulumi.Array) {
		mm := m.(pulumi.Map)
		tmpMount = tmpMount || (mm["name"] == pulumi.String("tmp") && mm["mountPath"] == pulumi.String(lkk8s.TmpDir))
	}
	if !tmpVol || !tmpMount {
		t.Errorf("no emptyDir mounted at %s (volume %v, mount %v)", lkk8s.TmpDir, tmpVol, tmpMount)
	}
}

// Images pinned by digest are accepted and reach the pod verbatim (#17
// item 15): the chart only builds "repository:tag", so the Deployment
// transform sets the full reference.
func TestImageDigest(t *testing.T) {
	const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	for _, tc := range []struct {
		image, repo, tag string
	}{
		{"livekit/livekit-server@" + digest, "livekit/livekit-server", ""},
		{"livekit/livekit-server:v1.13.5@" + digest, "livekit/livekit-server", "v1.13.5"},
		{"registry.example.com:5000/livekit/livekit-server@" + digest, "registry.example.com:5000/livekit/livekit-server", ""},
		{"livekit/livekit-server:v1.13.5", "livekit/livekit-server", "v1.13.5"},
	} {
		a := validArgs()
		a.Image = tc.image
		v, err := lkk8s.ChartValues(a)
		if err != nil {
			t.Errorf("%s refused: %v", tc.image, err)
			continue
		}
		if get(t, v, "image.repository") != tc.repo || get(t, v, "image.tag") != tc.tag {
			t.Errorf("%s: chart image %v:%v, want %s:%s", tc.image, get(t, v, "image.repository"), get(t, v, "image.tag"), tc.repo, tc.tag)
		}
		patch := lkk8s.DeploymentPatch{SecretName: lkk8s.SecretName, Image: tc.image}
		res := patch.Transform(context.Background(), &pulumi.ResourceTransformArgs{Type: "kubernetes:apps/v1:Deployment", Name: "livekit-server", Props: chartDeployment()})
		c := res.Props["spec"].(pulumi.Map)["template"].(pulumi.Map)["spec"].(pulumi.Map)["containers"].(pulumi.Array)[0].(pulumi.Map)
		if c["image"] != pulumi.String(tc.image) {
			t.Errorf("container image %v, want %s", c["image"], tc.image)
		}
	}
	for _, bad := range []string{
		"livekit/livekit-server@sha256:short",
		"livekit/livekit-server@md5:0123456789abcdef0123456789abcdef",
		"@" + digest,
		"livekit/livekit-server:latest",
		"livekit/livekit-server",
	} {
		a := validArgs()
		a.Image = bad
		if err := a.Validate("lk"); err == nil || !strings.Contains(err.Error(), "Image") {
			t.Errorf("%s accepted (%v)", bad, err)
		}
	}
}
