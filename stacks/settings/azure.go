package settings

// azureKeys are the azure kind's keys.
var azureKeys = []Key{}

func init() { Keys = append(Keys, azureKeys...) }

// Azure holds the azure-kind settings.
type Azure struct{}

func (p *parser) azure(s *Stack) *Azure {
	return &Azure{}
}
