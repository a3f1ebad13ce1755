package config

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"gopkg.in/yaml.v3"

	"github.com/livekit-infra/livekit-infra/internal/stackconfig"
)

var update = flag.Bool("update", false, "rewrite the config block of Pulumi.yaml from stackconfig.Keys")

var projectFile = filepath.Join(repoRoot, "Pulumi.yaml")

// declared reports whether a key belongs in Pulumi.yaml. Optional secrets
// are left out on purpose: the CLI requires every declared key without a
// default, and a secret cannot have a plain default, so declaring them would
// make them mandatory (see the comment in Pulumi.yaml and stackconfig.Keys).
func declared(k stackconfig.Key) bool { return !(k.Secret && k.Default == nil) }

// itemsType is the Pulumi element type of an array key.
func itemsType(k stackconfig.Key) string {
	if k.Items != "" {
		return k.Items
	}
	return "string"
}

// configBlock renders Pulumi.yaml's `config:` block from stackconfig.Keys, in
// Keys order.
func configBlock(t *testing.T) string {
	t.Helper()
	scalar := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }
	block := &yaml.Node{Kind: yaml.MappingNode}
	for _, k := range stackconfig.Keys {
		if !declared(k) {
			continue
		}
		decl := &yaml.Node{Kind: yaml.MappingNode}
		decl.Content = append(decl.Content, scalar("type"), scalar(k.Type))
		if k.Type == "array" {
			items := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{scalar("type"), scalar(itemsType(k))}}
			decl.Content = append(decl.Content, scalar("items"), items)
		}
		decl.Content = append(decl.Content, scalar("description"), scalar(k.Description))
		if k.Default != nil {
			def := &yaml.Node{}
			if err := def.Encode(k.Default); err != nil {
				t.Fatalf("%s: default %#v: %v", k.Name, k.Default, err)
			}
			decl.Content = append(decl.Content, scalar("default"), def)
		}
		block.Content = append(block.Content, scalar(k.Name), decl)
	}
	doc := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{scalar("config"), block}}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// splitConfig splits Pulumi.yaml around its top-level `config:` block.
func splitConfig(t *testing.T, text string) (head, block, tail string) {
	t.Helper()
	lines := strings.SplitAfter(text, "\n")
	start := -1
	for i, l := range lines {
		if strings.TrimRight(l, " \r\n") == "config:" {
			start = i
			break
		}
	}
	if start < 0 {
		t.Fatalf("%s has no top-level config: block", projectFile)
	}
	end := len(lines)
	topLevel := regexp.MustCompile(`^[^\s#]`)
	for i := start + 1; i < len(lines); i++ {
		if topLevel.MatchString(lines[i]) {
			end = i
			break
		}
	}
	return strings.Join(lines[:start], ""), strings.Join(lines[start:end], ""), strings.Join(lines[end:], "")
}

func TestPulumiYAML(t *testing.T) {
	data, err := os.ReadFile(projectFile)
	if err != nil {
		t.Fatal(err)
	}
	want := configBlock(t)
	head, block, tail := splitConfig(t, string(data))
	if *update {
		if block != want {
			if err := os.WriteFile(projectFile, []byte(head+want+tail), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("rewrote the config block of %s", projectFile)
		}
		if data, err = os.ReadFile(projectFile); err != nil {
			t.Fatal(err)
		}
		head, block, tail = splitConfig(t, string(data))
	}

	var proj struct {
		Name    string    `yaml:"name"`
		Runtime yaml.Node `yaml:"runtime"`
		Config  yaml.Node `yaml:"config"`
	}
	if err := yaml.Unmarshal(data, &proj); err != nil {
		t.Fatalf("%s: %v", projectFile, err)
	}
	if proj.Name != stackconfig.Namespace {
		t.Errorf("project name = %q, want %q (the config namespace)", proj.Name, stackconfig.Namespace)
	}
	var runtime string
	switch proj.Runtime.Kind {
	case yaml.ScalarNode:
		runtime = proj.Runtime.Value
	case yaml.MappingNode:
		var r struct {
			Name string `yaml:"name"`
		}
		if err := proj.Runtime.Decode(&r); err != nil {
			t.Fatal(err)
		}
		runtime = r.Name
	}
	if runtime != "go" {
		t.Errorf("runtime = %q, want go", runtime)
	}

	// Semantic comparison first, for precise messages.
	if proj.Config.Kind != yaml.MappingNode {
		t.Fatalf("config: is not a mapping")
	}
	var got []string
	decls := map[string]*yaml.Node{}
	for i := 0; i+1 < len(proj.Config.Content); i += 2 {
		name := proj.Config.Content[i].Value
		got = append(got, name)
		decls[name] = proj.Config.Content[i+1]
	}
	var wantNames []string
	for _, k := range stackconfig.Keys {
		if !declared(k) {
			if _, ok := decls[k.Name]; ok {
				t.Errorf("%s is an optional secret and must not be declared in Pulumi.yaml: the CLI would make it mandatory", k.Name)
			}
			if !strings.Contains(head, k.Name) {
				t.Errorf("the comment above config: should name the undeclared secret %s", k.Name)
			}
			continue
		}
		wantNames = append(wantNames, k.Name)
		if k.Default == nil && !k.Required {
			t.Errorf("%s is optional but has no default: declared in Pulumi.yaml, the CLI would require it in every stack", k.Name)
		}
		n, ok := decls[k.Name]
		if !ok {
			t.Errorf("%s is missing from Pulumi.yaml", k.Name)
			continue
		}
		var d struct {
			Type        string         `yaml:"type"`
			Items       map[string]any `yaml:"items"`
			Description string         `yaml:"description"`
			Default     any            `yaml:"default"`
			Secret      bool           `yaml:"secret"`
		}
		dn := *n
		if err := dn.Decode(&d); err != nil {
			t.Errorf("%s: %v", k.Name, err)
			continue
		}
		var fields []string
		for i := 0; i+1 < len(n.Content); i += 2 {
			fields = append(fields, n.Content[i].Value)
		}
		for _, f := range fields {
			switch f {
			case "type", "description", "default", "items":
			default:
				t.Errorf("%s declares %q, which stackconfig.Keys does not model", k.Name, f)
			}
		}
		if d.Type != k.Type {
			t.Errorf("%s: type %q, stackconfig.Keys says %q", k.Name, d.Type, k.Type)
		}
		if k.Type == "array" {
			if fmt.Sprint(d.Items) != fmt.Sprint(map[string]any{"type": itemsType(k)}) {
				t.Errorf("%s: items %v, want type %s", k.Name, d.Items, itemsType(k))
			}
		} else if d.Items != nil {
			t.Errorf("%s: items on a %s key", k.Name, k.Type)
		}
		if d.Description != k.Description {
			t.Errorf("%s: description %q, stackconfig.Keys says %q", k.Name, d.Description, k.Description)
		}
		hasDefault := strings.Contains(strings.Join(fields, ","), "default")
		if (k.Default != nil) != hasDefault {
			t.Errorf("%s: default declared %v, stackconfig.Keys default %#v", k.Name, hasDefault, k.Default)
		} else if k.Default != nil && !reflect.DeepEqual(normalize(t, k.Default), d.Default) {
			t.Errorf("%s: default %#v, stackconfig.Keys says %#v", k.Name, d.Default, k.Default)
		}
	}
	if strings.Join(got, ",") != strings.Join(wantNames, ",") {
		t.Errorf("declared keys (in order) differ from stackconfig.Keys:\n got %v\nwant %v", got, wantNames)
	}

	// Then the exact text, so that the file is what -update writes.
	if block != want {
		t.Errorf("the config block of %s is not what stackconfig.Keys generates; run\n  go test ./tests/config -run TestPulumiYAML -update\n--- got\n%s--- want\n%s", projectFile, block, want)
	}
	if !strings.Contains(head, "name: "+stackconfig.Namespace+"\n") {
		t.Errorf("the header above config: lost the project name")
	}
	_ = tail

	// Pulumi's own loader validates the file against its project schema,
	// including each default against its declared type.
	p, err := workspace.LoadProject(projectFile)
	if err != nil {
		t.Fatalf("Pulumi rejects %s: %v", projectFile, err)
	}
	if err := p.Validate(); err != nil {
		t.Errorf("Pulumi rejects %s: %v", projectFile, err)
	}
	if len(p.Config) != len(wantNames) {
		t.Errorf("Pulumi sees %d config keys, want %d", len(p.Config), len(wantNames))
	}
}

// normalize converts a Keys default to what yaml.v3 decodes it back as.
func normalize(t *testing.T, v any) any {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := yaml.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
