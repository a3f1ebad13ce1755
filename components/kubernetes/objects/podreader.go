package objects

import (
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	rbacv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/rbac/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// PodReaderArgs let one service account discover the pods of one namespace.
type PodReaderArgs struct {
	// Name of the Role and RoleBinding, in Namespace.
	Name      string
	Namespace pulumi.StringInput
	// ServiceAccount (in ServiceAccountNamespace) is the one subject.
	ServiceAccount, ServiceAccountNamespace string
}

// NewPodReader declares a Role that may get, list and watch pods (nothing
// else) in Namespace, bound to the service account. The binding is what
// the reader's workload depends on.
func NewPodReader(ctx *pulumi.Context, name string, args *PodReaderArgs, opts ...pulumi.ResourceOption) (pulumi.Resource, error) {
	meta := &metav1.ObjectMetaArgs{Name: pulumi.String(args.Name), Namespace: args.Namespace}
	role, err := rbacv1.NewRole(ctx, name, &rbacv1.RoleArgs{
		Metadata: meta,
		Rules: rbacv1.PolicyRuleArray{&rbacv1.PolicyRuleArgs{
			ApiGroups: pulumi.StringArray{pulumi.String("")},
			Resources: pulumi.StringArray{pulumi.String("pods")},
			Verbs:     pulumi.ToStringArray([]string{"get", "list", "watch"}),
		}},
	}, opts...)
	if err != nil {
		return nil, err
	}
	return rbacv1.NewRoleBinding(ctx, name, &rbacv1.RoleBindingArgs{
		Metadata: meta,
		RoleRef: &rbacv1.RoleRefArgs{
			ApiGroup: pulumi.String("rbac.authorization.k8s.io"), Kind: pulumi.String("Role"), Name: role.Metadata.Name().Elem(),
		},
		Subjects: rbacv1.SubjectArray{&rbacv1.SubjectArgs{
			Kind: pulumi.String("ServiceAccount"), Name: pulumi.String(args.ServiceAccount), Namespace: pulumi.String(args.ServiceAccountNamespace),
		}},
	}, opts...)
}
