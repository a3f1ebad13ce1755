package aws

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/amp"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/livekit-infra/livekit-infra/components"
)

// CentralMetricsArgs is the contract; AMP needs nothing more.
type CentralMetricsArgs struct {
	components.CentralMetricsArgs
}

// CentralMetrics is the central view in Amazon Managed Service for
// Prometheus: a workspace encrypted with its own KMS key, one writer role
// per region (remote write only, assumable only by that region's
// collector identity) and one reader role (queries only).
type CentralMetrics struct {
	pulumi.ResourceState
	components.CentralMetricsOutputs
}

// WriteActions and QueryActions are the whole of what the writer and reader
// roles may do, on this workspace only (AMP's IAM actions: "Amazon Managed
// Service for Prometheus permissions" in its user guide).
var (
	WriteActions = []string{"aps:RemoteWrite"}
	QueryActions = []string{"aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels", "aps:GetMetricMetadata"}
)

// NewCentralMetrics declares the workspace in the provider's region.
func NewCentralMetrics(ctx *pulumi.Context, name string, args *CentralMetricsArgs, opts ...pulumi.ResourceOption) (*CentralMetrics, error) {
	// The contract's checks; AMP adds none.
	c := &CentralMetrics{}
	parent, err := components.Register(ctx, components.CentralMetricsType, name, c, args, func(a *CentralMetricsArgs, e *components.ArgErrors) { a.CentralMetricsArgs.Check(e) }, opts...)
	if err != nil {
		return nil, err
	}
	a := &args.CentralMetricsArgs
	invoke := []pulumi.InvokeOption{pulumi.Parent(c)}
	// The account is needed to decide which resources to declare (whose
	// OIDC providers can be trusted), so it is read now, not as an output.
	caller, err := aws.GetCallerIdentity(ctx, &aws.GetCallerIdentityArgs{}, invoke...)
	if err != nil {
		return nil, fmt.Errorf("CentralMetrics %q: reading the deploying account: %w", name, err)
	}
	account := pulumi.String(caller.AccountId).ToStringOutput()
	region := aws.GetRegionOutput(ctx, aws.GetRegionOutputArgs{}, invoke...).Name()

	// The account administers the key but uses it only through AMP in
	// this region (kms:ViaService): the workspace's creator hands AMP a
	// grant, and nothing else in the account can decrypt with it.
	policy := pulumi.All(account, region).ApplyT(func(v []any) (string, error) {
		acct, rgn := v[0].(string), v[1].(string)
		root := map[string]any{"AWS": "arn:aws:iam::" + acct + ":root"}
		return keyPolicy(acct,
			map[string]any{"Sid": "PrometheusWorkspaceUse", "Effect": "Allow", "Principal": root,
				"Action":   []string{"kms:DescribeKey", "kms:CreateGrant", "kms:GenerateDataKey", "kms:Decrypt"},
				"Resource": "*",
				"Condition": map[string]any{"StringEquals": map[string]any{
					"kms:ViaService":    "aps." + rgn + ".amazonaws.com",
					"kms:CallerAccount": acct,
				}}})
	}).(pulumi.StringOutput)
	key, err := newKey(ctx, name, "LiveKit central metrics: encrypts the AMP workspace", policy, parent, pulumi.Protect(a.Protect))
	if err != nil {
		return nil, err
	}
	ws, err := amp.NewWorkspace(ctx, name, &amp.WorkspaceArgs{
		Alias:     pulumi.String(name),
		KmsKeyArn: key.Arn,
	}, parent, pulumi.Protect(a.Protect))
	if err != nil {
		return nil, err
	}

	writerRoles := pulumi.StringMap{}
	// IAM keeps one OIDC provider per URL in an account: an issuer whose
	// region already declares one in this account (an AKS region's, for
	// cert-manager) is trusted through it; the others get one here, shared
	// by the regions of that issuer.
	providers := OwnedProviders(a.Writers, caller.AccountId)
	clientIDs := ProviderClientIDs(a.Writers)
	for _, w := range a.SortedWriters() {
		var trust pulumi.StringOutput
		if w.OIDC() {
			arn, ok := providers[w.Issuer]
			if !ok {
				p, err := iam.NewOpenIdConnectProvider(ctx, name+"-"+w.Region, &iam.OpenIdConnectProviderArgs{
					Url:           pulumi.String(w.Issuer),
					ClientIdLists: pulumi.ToStringArray(clientIDs[w.Issuer]),
				}, parent)
				if err != nil {
					return nil, err
				}
				arn = p.Arn
				providers[w.Issuer] = arn
			}
			trust = arn.ApplyT(func(arn string) (string, error) { return WriterTrustPolicy(w, arn) }).(pulumi.StringOutput)
		} else {
			t, err := WriterTrustPolicy(w, "")
			if err != nil {
				return nil, err
			}
			trust = pulumi.String(t).ToStringOutput()
		}
		role, err := iam.NewRole(ctx, name+"-write-"+w.Region, &iam.RoleArgs{
			Description:      pulumi.String("LiveKit region " + w.Region + ": remote-writes its metrics to the central view"),
			AssumeRolePolicy: trust,
		}, parent)
		if err != nil {
			return nil, err
		}
		if _, err := iam.NewRolePolicy(ctx, name+"-write-"+w.Region, &iam.RolePolicyArgs{
			Role:   role.ID(),
			Policy: workspacePolicy("RemoteWrite", WriteActions, ws.Arn),
		}, parent); err != nil {
			return nil, err
		}
		writerRoles[w.Region] = role.Arn
	}

	// Readers: principals of this account that IAM lets assume the role
	// (a Grafana data source, an operator's SSO role); they query only.
	readerTrust := account.ApplyT(func(acct string) (string, error) {
		return globalPolicyJSON([]map[string]any{{
			"Sid": "AccountPrincipalsAssume", "Effect": "Allow",
			"Principal": map[string]any{"AWS": "arn:aws:iam::" + acct + ":root"},
			"Action":    "sts:AssumeRole",
		}})
	}).(pulumi.StringOutput)
	reader, err := iam.NewRole(ctx, name+"-read", &iam.RoleArgs{
		Description:      pulumi.String("LiveKit central metrics: queries the workspace, nothing else"),
		AssumeRolePolicy: readerTrust,
	}, parent)
	if err != nil {
		return nil, err
	}
	if _, err := iam.NewRolePolicy(ctx, name+"-read", &iam.RolePolicyArgs{
		Role:   reader.ID(),
		Policy: workspacePolicy("Query", QueryActions, ws.Arn),
	}, parent); err != nil {
		return nil, err
	}

	c.QueryURL = ws.PrometheusEndpoint.ApplyT(func(e string) string { return trimSlash(e) + "/api/v1/query" }).(pulumi.StringOutput)
	c.RemoteWriteURL = ws.PrometheusEndpoint.ApplyT(func(e string) string { return trimSlash(e) + "/api/v1/remote_write" }).(pulumi.StringOutput)
	c.WorkspaceARN = ws.Arn
	c.ReaderRoleARN = reader.Arn
	c.WriterRoleARNs = writerRoles.ToStringMapOutput()
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"queryUrl": c.QueryURL, "remoteWriteUrl": c.RemoteWriteURL, "workspaceArn": c.WorkspaceARN,
		"readerRoleArn": c.ReaderRoleARN, "writerRoleArns": c.WriterRoleARNs,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// OwnedProviders are the IAM OIDC providers, by issuer, that the writers'
// regions declare themselves in account (the central view's): the
// central view trusts them rather than declaring a second provider for
// the same URL, which IAM refuses (EntityAlreadyExists). A provider of
// another account cannot be a role's federated principal here, so its
// issuer gets a provider of this account.
func OwnedProviders(writers []components.MetricsWriter, account string) map[string]pulumi.StringOutput {
	out := map[string]pulumi.StringOutput{}
	for _, w := range writers {
		if w.OIDC() && w.ProviderARN != "" && w.ProviderAccount() == account {
			out[w.Issuer] = pulumi.String(w.ProviderARN).ToStringOutput()
		}
	}
	return out
}

// ProviderClientIDs are the client IDs (audiences) of each writer issuer's
// IAM OIDC provider: a Kubernetes issuer's tokens are for STS; an Entra ID
// tenant's (Container Instances regions of one tenant share its issuer,
// so its one provider) lists each writer's EntraAudiences, its managed
// identity's client ID being what STS compares (the token's azp).
func ProviderClientIDs(writers []components.MetricsWriter) map[string][]string {
	out := map[string][]string{}
	seen := map[string]bool{}
	add := func(issuer, id string) {
		if !seen[issuer+" "+id] {
			seen[issuer+" "+id] = true
			out[issuer] = append(out[issuer], id)
		}
	}
	ws := (&components.CentralMetricsArgs{Writers: writers}).SortedWriters()
	for _, w := range ws {
		switch {
		case w.Entra():
			for _, id := range w.EntraAudiences() {
				add(w.Issuer, id)
			}
		case w.OIDC():
			add(w.Issuer, components.MetricsWriterAudience)
		}
	}
	return out
}

// WriterTrustPolicy is the trust policy of a region's writer role: only
// that region's collector identity may assume it. A web identity must
// present a token of its cluster's issuer, for AWS STS, of exactly its
// service account; providerARN is the issuer's IAM OIDC provider.
func WriterTrustPolicy(w components.MetricsWriter, providerARN string) (string, error) {
	if !w.OIDC() {
		return globalPolicyJSON([]map[string]any{{
			"Sid": "RegionCollectorAssumes", "Effect": "Allow",
			"Principal": map[string]any{"AWS": w.RoleARN},
			"Action":    "sts:AssumeRole",
		}})
	}
	host := w.IssuerHost()
	if w.Entra() {
		// The managed identity's own tokens only: sub is its object ID,
		// and aud (STS's view of it: the token's azp, else its aud) one of
		// EntraAudiences.
		return globalPolicyJSON([]map[string]any{{
			"Sid": "RegionManagedIdentityAssumesWithWebIdentity", "Effect": "Allow",
			"Principal": map[string]any{"Federated": providerARN},
			"Action":    "sts:AssumeRoleWithWebIdentity",
			"Condition": map[string]any{"StringEquals": map[string]any{
				host + ":aud": w.EntraAudiences(),
				host + ":sub": w.Subject,
			}},
		}})
	}
	return globalPolicyJSON([]map[string]any{{
		"Sid": "RegionAgentAssumesWithWebIdentity", "Effect": "Allow",
		"Principal": map[string]any{"Federated": providerARN},
		"Action":    "sts:AssumeRoleWithWebIdentity",
		"Condition": map[string]any{"StringEquals": map[string]any{
			host + ":aud": components.MetricsWriterAudience,
			host + ":sub": w.Subject,
		}},
	}})
}

func workspacePolicy(sid string, actions []string, workspace pulumi.StringOutput) pulumi.StringOutput {
	return workspace.ApplyT(func(arn string) (string, error) {
		return globalPolicyJSON([]map[string]any{{
			"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": arn,
		}})
	}).(pulumi.StringOutput)
}

func trimSlash(s string) string {
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}
