// Package aws holds the mock-based tests of the aws-prod stack. Every test
// evaluates the real program (stacks/aws.Program) against the real stack
// file (Pulumi.aws-prod.yaml merged with Pulumi.yaml's defaults) under
// Pulumi's mocks (internal/plan), and asserts the properties that matter:
// ports and rule sources, health paths, public task IPs, Redis TLS/AUTH and
// failover, scaling bounds, TLS policies, IAM scope, protect flags, and that
// secrets stay secret. Variants (single NAT, muxed UDP, TURN, protect=false,
// no CDN, user-supplied secrets, ...) are evaluated from a copy of the same
// config with a few keys changed.
//
//	go test ./tests/aws/
package aws
