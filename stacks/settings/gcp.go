package settings

// gcpKeys are the gcp kind's keys.
var gcpKeys = []Key{}

func init() { Keys = append(Keys, gcpKeys...) }

// GCP holds the gcp-kind settings.
type GCP struct{}

func (p *parser) gcp(s *Stack) *GCP {
	return &GCP{}
}
