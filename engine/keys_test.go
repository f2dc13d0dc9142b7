package engine

import (
	"encoding/binary"
	"testing"
)

// TestKeyBuildersKeepTheLayout: the keys built in one allocation are the
// bytes of the documented layout.
func TestKeyBuildersKeepTheLayout(t *testing.T) {
	be := func(v uint64) string { return string(binary.BigEndian.AppendUint64(nil, v)) }
	for _, c := range []struct{ got, want string }{
		{string(rowKey("account", tAlice)), "r/account/" + tAlice},
		{string(modKey("account", -5, tAlice)), "w/account/" + be(uint64(1<<63-5)) + "/" + tAlice},
		{string(refKey(tBob, "contact", tAlice, "parentcustomerid")), "x/" + tBob + "/contact/" + tAlice + "/parentcustomerid"},
		{string(ownerKey("account", tRootBU, tBob, tAlice)), "o/account/" + tRootBU + "/" + tBob + "/" + tAlice},
		{string(partitionKey("account", "contact:"+tBob, 7)), "pl/account/contact:" + tBob + "/" + be(7)},
		{string(changeKey("account", 7, tAlice)), "c/account/" + be(7) + "/" + tAlice},
	} {
		if c.got != c.want {
			t.Errorf("key %q, want %q", c.got, c.want)
		}
	}
}
