// Package imageref parses the pinned container image references of the
// config (repository:tag@sha256:<digest>) and places them under a registry
// mirror. No Pulumi SDK: the settings model and every cloud use it.
package imageref

import (
	"fmt"
	"regexp"
	"strings"
)

// Ref is a Docker Hub image pinned by digest (or, with Registry, one of
// Microsoft's registry, which only Azure's mirror caches); Tag is kept for
// people reading the config (the digest is what every node pulls).
type Ref struct {
	// Registry is "" for Docker Hub, or MCR (ParseMCR).
	Registry string
	// Repository is the Docker Hub repository as written, e.g.
	// livekit/livekit-server or caddy.
	Repository string
	Tag        string
	// Digest is sha256:<64 lowercase hex>.
	Digest string
}

var (
	digestRe = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	repoRe   = regexp.MustCompile(`^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$`)
	tagRe    = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)
)

// Parse reads repository[:tag]@sha256:<digest>. The error says what is
// wrong with the reference, for the caller to prefix with its key.
func Parse(ref string) (Ref, error) {
	name, digest, ok := strings.Cut(ref, "@")
	if !ok {
		return Ref{}, fmt.Errorf("must be pinned by digest: repository:tag@sha256:<64 hex digits> (the tag stays for people, nodes pull the digest)")
	}
	if !digestRe.MatchString(digest) {
		return Ref{}, fmt.Errorf("digest %q must be sha256: followed by 64 lowercase hex digits", digest)
	}
	r := Ref{Repository: name, Digest: digest}
	if i := strings.LastIndex(name, ":"); i >= 0 && !strings.Contains(name[i:], "/") {
		r.Repository, r.Tag = name[:i], name[i+1:]
		if !tagRe.MatchString(r.Tag) {
			return Ref{}, fmt.Errorf("tag %q is not a valid tag", r.Tag)
		}
		if r.Tag == "latest" {
			return Ref{}, fmt.Errorf("tag latest says nothing about the version: name the release the digest belongs to")
		}
	}
	first, _, _ := strings.Cut(r.Repository, "/")
	if strings.ContainsAny(first, ".:") || first == "localhost" {
		return Ref{}, fmt.Errorf("repository %q names registry %q: the registry mirrors cache Docker Hub, so give the Docker Hub repository (e.g. livekit/livekit-server)", r.Repository, first)
	}
	if !repoRe.MatchString(r.Repository) {
		return Ref{}, fmt.Errorf("repository %q is not a valid Docker Hub repository name", r.Repository)
	}
	return r, nil
}

// MCR is the Microsoft Artifact Registry: images Microsoft publishes only
// there (the Azure CLI), which ACR's cache rules also mirror.
const MCR = "mcr.microsoft.com"

// ParseMCR reads mcr.microsoft.com/repository[:tag]@sha256:<digest>.
func ParseMCR(ref string) (Ref, error) {
	rest, ok := strings.CutPrefix(ref, MCR+"/")
	if !ok {
		return Ref{}, fmt.Errorf("%q is not an image of %s", ref, MCR)
	}
	r, err := Parse(rest)
	if err != nil {
		return Ref{}, err
	}
	r.Registry = MCR
	return r, nil
}

// ParseAny reads a reference of Docker Hub (Parse) or of MCR (ParseMCR).
func ParseAny(ref string) (Ref, error) {
	if strings.HasPrefix(ref, MCR+"/") {
		return ParseMCR(ref)
	}
	return Parse(ref)
}

// DockerHub reports whether the image is Docker Hub's.
func (r Ref) DockerHub() bool { return r.Registry == "" }

// Source is the repository as its registry serves it (a mirror's cache
// rule reads it there): docker.io/<Path> or mcr.microsoft.com/<Path>.
func (r Ref) Source() string {
	if r.Registry != "" {
		return r.Registry + "/" + r.Path()
	}
	return "docker.io/" + r.Path()
}

// MustParse is Parse for a reference pinned in code (livekit.Image): it
// panics on an error, which a test catches.
func MustParse(ref string) Ref {
	r, err := Parse(ref)
	if err != nil {
		panic(fmt.Sprintf("imageref: %q: %v", ref, err))
	}
	return r
}

// Path is the repository's full path on Docker Hub: official images live
// under library/, which pull-through caches need spelled out.
func (r Ref) Path() string {
	if r.Registry == "" && !strings.Contains(r.Repository, "/") {
		return "library/" + r.Repository
	}
	return r.Repository
}

// String is the reference as its registry serves it.
func (r Ref) String() string {
	if r.Registry != "" {
		return r.Under(r.Registry)
	}
	return r.Under("docker.io")
}

// Under is the reference below a mirror prefix (registry host and path):
// prefix/path:tag@digest.
func (r Ref) Under(prefix string) string {
	s := strings.TrimSuffix(prefix, "/") + "/" + r.Path()
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	return s + "@" + r.Digest
}

// Spec is the reference as the config writes it: repository[:tag]@digest.
func (r Ref) Spec() string {
	s := r.Repository
	if r.Registry != "" {
		s = r.Registry + "/" + s
	}
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	return s + "@" + r.Digest
}
