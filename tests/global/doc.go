// Package global tests the global GeoDNS stack:
//
//   - routing_test.go: the pure routing plan (components/routing). Every
//     combination of region health (2^N) for every continent resolves to the
//     first healthy region of its chain, with the guide's three regions and
//     with a fourth region added by config only; when every region is down a
//     continent keeps its first region (Route 53 fails open).
//   - records_test.go: a small Route 53 evaluator (tests/internal/route53,
//     written from Route 53's documented failover, geolocation, latency and
//     evaluate-target-health rules, independent of the planner; tests/e2e
//     drives the same evaluator with real health probes) answers queries
//     from the records the stack actually declares, for every continent and
//     health combination, and must agree with the plan.
//   - stack_test.go: the global stack under mocks with realistic regional
//     outputs (a plan of aws-prod; GCP/Azure outputs shaped like the AWS
//     ones): health checks, alarms, geolocation and failover records, the
//     latency variant, outputs, StackReferences and the certificate check.
//   - config_test.go: validation of the global keys.
package global
