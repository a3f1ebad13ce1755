package kubernetes

import "encoding/json"

// ExecKubeconfig is a one-cluster kubeconfig whose user runs exec (a
// client.authentication.k8s.io exec plugin: the credentials of whoever runs
// Pulumi, never a static token).
func ExecKubeconfig(clusterName, server, caData string, exec map[string]any) (string, error) {
	type named struct {
		Name    string `json:"name"`
		Cluster any    `json:"cluster,omitempty"`
		Context any    `json:"context,omitempty"`
		User    any    `json:"user,omitempty"`
	}
	cfg := map[string]any{
		"apiVersion":      "v1",
		"kind":            "Config",
		"current-context": clusterName,
		"clusters": []named{{Name: clusterName, Cluster: map[string]string{
			"server": server, "certificate-authority-data": caData,
		}}},
		"contexts": []named{{Name: clusterName, Context: map[string]string{"cluster": clusterName, "user": clusterName}}},
		"users":    []named{{Name: clusterName, User: map[string]any{"exec": exec}}},
	}
	// JSON is YAML: no hand-written YAML.
	b, err := json.Marshal(cfg)
	return string(b), err
}
