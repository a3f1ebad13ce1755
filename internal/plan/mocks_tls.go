package plan

import (
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// MockPrivateKeyLabel is the PEM label of the mocks' private keys: obviously
// fake (no "PRIVATE KEY" for secret scanners to flag in test data).
const MockPrivateKeyLabel = "FAKE PLAN-MOCK RSA KEY"

// The tls provider's generated keys: stand-in PEM blocks, deterministic
// per resource, the private half a secret as the provider marks it.
func init() {
	computedOutputs["tls:index/privateKey:PrivateKey"] = func(mi MockInfo) resource.PropertyMap {
		body := hashAlnum("tls:"+mi.Name, 64)
		return resource.PropertyMap{
			"publicKeyPem":       resource.NewProperty("-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n"),
			"privateKeyPem":      resource.MakeSecret(resource.NewProperty("-----BEGIN " + MockPrivateKeyLabel + "-----\n" + body + "\n-----END " + MockPrivateKeyLabel + "-----\n")),
			"privateKeyPemPkcs8": resource.MakeSecret(resource.NewProperty("-----BEGIN " + MockPrivateKeyLabel + " PKCS8-----\n" + body + "\n-----END " + MockPrivateKeyLabel + " PKCS8-----\n")),
		}
	}
}
