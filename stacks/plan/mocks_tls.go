package plan

import (
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// The tls provider's generated keys: stand-in PEM blocks, deterministic
// per resource, the private half a secret as the provider marks it.
func init() {
	computedOutputs["tls:index/privateKey:PrivateKey"] = func(mi MockInfo) resource.PropertyMap {
		body := hashAlnum("tls:"+mi.Name, 64)
		return resource.PropertyMap{
			"publicKeyPem":       resource.NewProperty("-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n"),
			"privateKeyPem":      resource.MakeSecret(resource.NewProperty("-----BEGIN RSA PRIVATE KEY-----\n" + body + "\n-----END RSA PRIVATE KEY-----\n")),
			"privateKeyPemPkcs8": resource.MakeSecret(resource.NewProperty("-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n")),
		}
	}
}
