package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/sig"

	"github.com/livekit-infra/livekit-infra/internal/plan"
)

// Sentinels the engine writes into event values.
var unknownSentinels = map[string]bool{
	plugin.UnknownStringValue: true, plugin.UnknownBoolValue: true, plugin.UnknownNumberValue: true,
	plugin.UnknownArrayValue: true, plugin.UnknownObjectValue: true, plugin.UnknownAssetValue: true,
	plugin.UnknownArchiveValue: true,
}

// Mask returns v with every secret replaced by SecretMask and every unknown
// by UnknownMask, at any depth. A secret is the engine's "[secret]" string
// or a value still wrapped in Pulumi's secret signature; the plan's
// "[secret]" placeholder is the same string.
func Mask(v any) any {
	switch t := v.(type) {
	case map[string]any:
		if s, ok := t[sig.Key].(string); ok {
			switch s {
			case sig.Secret:
				return SecretMask
			case sig.OutputValue:
				if _, known := t["value"]; !known {
					return UnknownMask
				}
				if sec, _ := t["secret"].(bool); sec {
					return SecretMask
				}
				return Mask(t["value"])
			case sig.ResourceReference:
				if u, ok := t["urn"].(string); ok {
					return u
				}
			case sig.AssetSig, sig.ArchiveSig:
				return "(asset)"
			}
		}
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = Mask(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = Mask(e)
		}
		return out
	case string:
		if unknownSentinels[t] {
			return UnknownMask
		}
		return t
	default:
		return v
	}
}

// lookup reads a property path ("tags.Name", "ingress[0].fromPort",
// `tags["kubernetes.io/role"]`) in a plain value. When the path runs into a
// masked secret it returns SecretMask: nothing below a secret is readable.
func lookup(root map[string]any, path string) (any, bool) {
	pp, err := resource.ParsePropertyPath(path)
	if err != nil || len(pp) == 0 {
		v, ok := root[path]
		return v, ok
	}
	var cur any = root
	for _, seg := range pp {
		if s, ok := cur.(string); ok && s == SecretMask {
			return SecretMask, true
		}
		next, ok := plan.PathStep(cur, seg)
		if !ok {
			return nil, false
		}
		cur = next
	}
	return cur, true
}

// propertyChanges turns an engine step's diff into display rows. Values come
// from the inputs (outputs for output-only diffs), masked.
func propertyChanges(md apitype.StepEventMetadata) []PropertyChange {
	var oldIn, newIn, oldOut, newOut map[string]any
	if md.Old != nil {
		oldIn, oldOut = asMap(Mask(md.Old.Inputs)), asMap(Mask(md.Old.Outputs))
	}
	if md.New != nil {
		newIn, newOut = asMap(Mask(md.New.Inputs)), asMap(Mask(md.New.Outputs))
	}
	replaceKeys := map[string]bool{}
	for _, k := range md.Keys {
		replaceKeys[k] = true
	}
	var out []PropertyChange
	if len(md.DetailedDiff) > 0 {
		paths := make([]string, 0, len(md.DetailedDiff))
		for p := range md.DetailedDiff {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		for _, p := range paths {
			d := md.DetailedDiff[p]
			oldSrc, newSrc := oldIn, newIn
			if !d.InputDiff {
				oldSrc, newSrc = oldOut, newOut
			}
			pc := PropertyChange{Path: p, Kind: baseKind(d.Kind), Replace: isReplaceKind(d.Kind) || replaceKeys[p]}
			if pc.Kind != "add" {
				pc.Old, _ = lookup(oldSrc, p)
			}
			if pc.Kind != "delete" {
				pc.New, _ = lookup(newSrc, p)
			}
			out = append(out, pc)
		}
		return out
	}
	keys := append([]string(nil), md.Diffs...)
	sort.Strings(keys)
	for _, k := range keys {
		ov, oldOK := lookup(oldIn, k)
		nv, newOK := lookup(newIn, k)
		kind := "update"
		switch {
		case !oldOK && newOK:
			kind = "add"
		case oldOK && !newOK:
			kind = "delete"
		}
		out = append(out, PropertyChange{Path: k, Kind: kind, Replace: replaceKeys[k], Old: ov, New: nv})
	}
	return out
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func baseKind(k apitype.DiffKind) string {
	switch k {
	case apitype.DiffAdd, apitype.DiffAddReplace:
		return "add"
	case apitype.DiffDelete, apitype.DiffDeleteReplace:
		return "delete"
	default:
		return "update"
	}
}

func isReplaceKind(k apitype.DiffKind) bool {
	return k == apitype.DiffAddReplace || k == apitype.DiffDeleteReplace || k == apitype.DiffUpdateReplace
}

// display renders a display value on one line: strings quoted, structures
// as compact JSON, masks bare.
func display(v any) string {
	switch t := v.(type) {
	case nil:
		return "—"
	case string:
		if t == SecretMask || t == UnknownMask {
			return t
		}
		return strconv.Quote(t)
	default:
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(t); err != nil {
			return fmt.Sprint(t)
		}
		return strings.TrimSpace(b.String())
	}
}

// multiline renders a value for a line diff: JSON documents (also JSON held
// in strings, e.g. task or policy definitions) indented, plain strings as is.
func multiline(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		var doc any
		trimmed := strings.TrimSpace(t)
		if (strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "[")) && json.Unmarshal([]byte(trimmed), &doc) == nil {
			return indentJSON(doc)
		}
		return t
	default:
		return indentJSON(t)
	}
}

func indentJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimRight(b.String(), "\n")
}

// DisplayValue renders a (masked) value on one line, as in the report.
func DisplayValue(v any) string { return display(Mask(v)) }
