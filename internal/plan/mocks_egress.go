package plan

import (
	"encoding/base64"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// FakeStorageAccountKey is the key the mock storage account lists (the
// Azure Egress uploads with it).
var FakeStorageAccountKey = base64.StdEncoding.EncodeToString([]byte(hashHex("plan-storage-account-key", 64)))

func init() {
	invokes["azure-native:storage:listStorageAccountKeys"] = func(mi MockInfo) resource.PropertyMap {
		return props(map[string]any{"keys": []any{
			map[string]any{"keyName": "key1", "permissions": "FULL", "value": FakeStorageAccountKey},
			map[string]any{"keyName": "key2", "permissions": "FULL", "value": base64.StdEncoding.EncodeToString([]byte(hashHex("plan-storage-account-key2", 64)))},
		}})
	}
}
