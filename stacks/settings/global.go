package settings

// globalKeys are the global kind's keys.
var globalKeys = []Key{}

func init() { Keys = append(Keys, globalKeys...) }

// Global holds the global-kind settings.
type Global struct{}

func (p *parser) global(s *Stack) *Global {
	return &Global{}
}
