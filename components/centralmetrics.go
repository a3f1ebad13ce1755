package components

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components/observability"
)

// CentralMetricsType is the central metrics view of the global stack.
const CentralMetricsType = "livekit-infra:index:CentralMetrics"

// MetricsWriterAudience is the audience of the web-identity tokens a
// region's agent presents to AWS STS (AWS's documented audience for
// AssumeRoleWithWebIdentity). cert-manager's Route 53 tokens on AKS carry
// it too: the AKS issuer's one IAM OIDC provider lists it for both.
const MetricsWriterAudience = "sts.amazonaws.com"

// EntraTokenExchangeAudience is the audience of the Microsoft Entra ID
// token a managed identity presents to another identity provider (the
// token Microsoft documents for federating a managed identity:
// learn.microsoft.com/entra/workload-id/workload-identity-federation-config-app-trust-managed-identity).
const EntraTokenExchangeAudience = "api://AzureADTokenExchange"

// MetricsWriter is the identity a region's collector remote-writes to the
// central view as: exactly one of RoleARN (an AWS region's collector role,
// which assumes the writer role) or Issuer+Subject (a web-identity token
// exchanged through AssumeRoleWithWebIdentity: a Kubernetes service
// account token of a GKE or AKS cluster's OIDC issuer, or, with Audience
// EntraTokenExchangeAudience, a Container Instances region's managed
// identity token from its Entra ID tenant).
type MetricsWriter struct {
	// Region is the region's name in globalRegions.
	Region  string
	RoleARN string
	Issuer  string
	Subject string
	// Audience is the token's aud: "" for MetricsWriterAudience (a
	// Kubernetes token projected for STS), or EntraTokenExchangeAudience.
	Audience string
	// AuthorizedParty is an Entra writer's azp claim, its managed
	// identity's client ID: STS compares the token's azp, when it has
	// one, as its audience (aws.go, EntraAudiences).
	AuthorizedParty string
	// ProviderARN is the IAM OIDC provider for Issuer that the region
	// itself declares (an AKS region's, for cert-manager's Route 53
	// identity), "" when it declares none. IAM keeps one provider per URL
	// in an account, so the central view trusts this one when it is in its
	// own account instead of declaring a second.
	ProviderARN string
}

// Keys of a regional stack's metricsWriter output (OutputMetricsWriter in
// stacks/regional): {roleArn} or {issuer, subject}.
const (
	MetricsWriterRoleARN = "roleArn"
	MetricsWriterIssuer  = "issuer"
	MetricsWriterSubject = "subject"
	// An Entra writer's (Container Instances) token audience and azp.
	MetricsWriterTokenAudience   = "audience"
	MetricsWriterAuthorizedParty = "authorizedParty"
)

// OIDC reports whether the writer signs in with a web-identity token.
func (w MetricsWriter) OIDC() bool { return w.Issuer != "" }

// Entra reports whether the writer is a managed identity presenting its
// Entra ID token for EntraTokenExchangeAudience.
func (w MetricsWriter) Entra() bool { return w.Audience == EntraTokenExchangeAudience }

// EntraAudiences are the values an Entra writer's token may present as
// its audience to STS: AWS compares the token's azp claim, when it has
// one, as the aud condition key and the provider's client ID, and the
// token's aud only as oaud ("Available keys for AWS web identity
// federation", aud and oaud:
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif;
// seen with Entra ID v2 tokens in aws/aws-sdk-net#3071). Entra v2 tokens
// carry azp (the requesting identity's client ID), so both are listed:
// the client ID for STS's azp rule, the token exchange audience should it
// compare aud. Either way the trust also pins sub to the identity.
func (w MetricsWriter) EntraAudiences() []string {
	return []string{w.AuthorizedParty, EntraTokenExchangeAudience}
}

// IssuerHost is the issuer without its scheme: the name of its IAM OIDC
// provider and the prefix of its condition keys (<host/path>:sub).
func (w MetricsWriter) IssuerHost() string {
	return strings.TrimSuffix(strings.TrimPrefix(w.Issuer, "https://"), "/")
}

// Map is the writer as a regional stack exports it.
func (w MetricsWriter) Map() map[string]string {
	if w.Entra() {
		return map[string]string{MetricsWriterIssuer: w.Issuer, MetricsWriterSubject: w.Subject,
			MetricsWriterTokenAudience: w.Audience, MetricsWriterAuthorizedParty: w.AuthorizedParty}
	}
	if w.OIDC() {
		return map[string]string{MetricsWriterIssuer: w.Issuer, MetricsWriterSubject: w.Subject}
	}
	return map[string]string{MetricsWriterRoleARN: w.RoleARN}
}

var (
	saSub = regexp.MustCompile(`^system:serviceaccount:[a-z0-9]([-a-z0-9]*[a-z0-9])?:[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`)
	// entraIssuer is a tenant's Entra ID v2.0 issuer; uuid a GUID (an
	// identity's object or client ID).
	entraIssuer = regexp.MustCompile(`^https://login\.microsoftonline\.com/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/v2\.0$`)
	uuid        = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	// oidcProviderARN: arn:<partition>:iam::<account>:oidc-provider/<issuer host/path>.
	oidcProviderARN = regexp.MustCompile(`^arn:aws(-[a-z]+)*:iam::([0-9]{12}):oidc-provider/(.+)$`)
)

// WithProvider is the writer with the IAM OIDC provider its region declares
// for its issuer (the region's OutputOIDCProvider output, a string ARN
// whose path is the issuer without its scheme).
func (w MetricsWriter) WithProvider(v any) (MetricsWriter, error) {
	arn, ok := v.(string)
	if !ok {
		return w, fmt.Errorf("region %s: its OIDC provider output is %T, want an IAM OIDC provider ARN", w.Region, v)
	}
	w.ProviderARN = arn
	return w, w.validate()
}

// ProviderAccount is the AWS account of ProviderARN ("" without one).
func (w MetricsWriter) ProviderAccount() string {
	if m := oidcProviderARN.FindStringSubmatch(w.ProviderARN); m != nil {
		return m[2]
	}
	return ""
}

// ParseMetricsWriter reads a region's metricsWriter output (a map with
// string values); problems name the region and the stack to redeploy.
func ParseMetricsWriter(region string, v any) (MetricsWriter, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return MetricsWriter{}, fmt.Errorf("region %s: its metricsWriter output is %T, want {roleArn}, {issuer, subject} or {issuer, subject, audience, authorizedParty}", region, v)
	}
	str := func(k string) string { s, _ := m[k].(string); return s }
	w := MetricsWriter{Region: region, RoleARN: str(MetricsWriterRoleARN), Issuer: str(MetricsWriterIssuer), Subject: str(MetricsWriterSubject),
		Audience: str(MetricsWriterTokenAudience), AuthorizedParty: str(MetricsWriterAuthorizedParty)}
	return w, w.validate()
}

func (w MetricsWriter) validate() error {
	switch {
	case w.RoleARN != "" && (w.Issuer != "" || w.Subject != ""):
		return fmt.Errorf("region %s: its metrics writer has both a role (%s) and a web identity (%s): give one", w.Region, w.RoleARN, w.Issuer)
	case w.ProviderARN != "" && w.Issuer == "":
		return fmt.Errorf("region %s: it exports an OIDC provider (%s) but its metrics writer has no OIDC issuer", w.Region, w.ProviderARN)
	case w.RoleARN != "" && (w.Audience != "" || w.AuthorizedParty != ""):
		return fmt.Errorf("region %s: its metrics writer has a role (%s) and a token audience or authorized party: give one identity", w.Region, w.RoleARN)
	case w.Audience != "" && !w.Entra():
		return fmt.Errorf("region %s: metrics writer audience %q is not %s (a Container Instances region's managed identity; a Kubernetes writer exports none)", w.Region, w.Audience, EntraTokenExchangeAudience)
	case w.Entra():
		// One managed identity of one tenant: a wildcard or another
		// issuer would admit other identities' tokens.
		if !entraIssuer.MatchString(w.Issuer) {
			return fmt.Errorf("region %s: metrics writer issuer %q is not an Entra ID tenant's v2.0 issuer (https://login.microsoftonline.com/<tenant ID>/v2.0)", w.Region, w.Issuer)
		}
		if !uuid.MatchString(w.Subject) {
			return fmt.Errorf("region %s: metrics writer subject %q is not one managed identity's object (principal) ID", w.Region, w.Subject)
		}
		if !uuid.MatchString(w.AuthorizedParty) {
			return fmt.Errorf("region %s: metrics writer authorized party %q is not the managed identity's client ID", w.Region, w.AuthorizedParty)
		}
		if w.ProviderARN != "" {
			return fmt.Errorf("region %s: it exports an OIDC provider (%s) for an Entra ID writer: the central view declares the tenant's", w.Region, w.ProviderARN)
		}
	case w.AuthorizedParty != "":
		return fmt.Errorf("region %s: metrics writer authorized party %q without the Entra token audience %s", w.Region, w.AuthorizedParty, EntraTokenExchangeAudience)
	case w.RoleARN != "":
		if !observability.IsRoleARN(w.RoleARN) {
			return fmt.Errorf("region %s: metrics writer role %q is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)", w.Region, w.RoleARN)
		}
	case w.Issuer != "":
		if !strings.HasPrefix(w.Issuer, "https://") || strings.ContainsAny(w.Issuer, " ?#") {
			return fmt.Errorf("region %s: metrics writer issuer %q is not an https OIDC issuer URL", w.Region, w.Issuer)
		}
		// The subject is the one service account the trust admits: a
		// wildcard or an empty subject would admit every pod of the cluster.
		if !saSub.MatchString(w.Subject) {
			return fmt.Errorf("region %s: metrics writer subject %q is not one Kubernetes service account (system:serviceaccount:<namespace>:<name>)", w.Region, w.Subject)
		}
		// The trust's condition keys are the provider's URL: a provider of
		// another issuer would admit nobody (or the wrong tokens).
		if w.ProviderARN != "" {
			if m := oidcProviderARN.FindStringSubmatch(w.ProviderARN); m == nil || strings.TrimSuffix(m[3], "/") != w.IssuerHost() {
				return fmt.Errorf("region %s: OIDC provider %q is not the IAM OIDC provider of its issuer %s (arn:aws:iam::<account>:oidc-provider/%s)", w.Region, w.ProviderARN, w.Issuer, w.IssuerHost())
			}
		}
	default:
		return fmt.Errorf("region %s: its metrics writer has neither a role ARN nor an OIDC issuer", w.Region)
	}
	return nil
}

// CentralMetricsArgs is the central view: one managed Prometheus workspace
// the regions remote-write into, one writer identity per region.
type CentralMetricsArgs struct {
	// Writers are the regions that write, one each.
	Writers []MetricsWriter
	// Protect guards the workspace (the series it holds) against deletion.
	Protect bool
}

// Validate rejects duplicate regions and malformed identities.
func (a *CentralMetricsArgs) Validate(name string) error {
	e := NewArgErrors("CentralMetrics", name)
	a.Check(e)
	return e.Err()
}

// Check adds the contract's problems to e; each cloud adds its own after.
func (a *CentralMetricsArgs) Check(e *ArgErrors) {
	if a == nil {
		e.Add("args are required")
		return
	}
	seen := map[string]bool{}
	for _, w := range a.Writers {
		if w.Region == "" {
			e.Add("Writers: a writer has no Region")
			continue
		}
		if seen[w.Region] {
			e.Add("Writers: region %q is given twice", w.Region)
		}
		seen[w.Region] = true
		e.AddErr(w.validate())
	}
}

// SortedWriters is Writers by region name (stable resource order).
func (a *CentralMetricsArgs) SortedWriters() []MetricsWriter {
	ws := append([]MetricsWriter(nil), a.Writers...)
	sort.Slice(ws, func(i, j int) bool { return ws[i].Region < ws[j].Region })
	return ws
}

// CentralMetricsOutputs is what the central view exposes.
type CentralMetricsOutputs struct {
	// QueryURL is the Prometheus HTTP API base for queries
	// (<endpoint>api/v1/query, SigV4-signed as the reader role).
	QueryURL pulumi.StringOutput
	// RemoteWriteURL is where the regions' agents write.
	RemoteWriteURL pulumi.StringOutput
	// WorkspaceARN is the workspace's ARN.
	WorkspaceARN pulumi.StringOutput
	// ReaderRoleARN may query the workspace and do nothing else.
	ReaderRoleARN pulumi.StringOutput
	// WriterRoleARNs maps each writing region to the role its agent
	// assumes (remote write to this workspace only).
	WriterRoleARNs pulumi.StringMapOutput
}
