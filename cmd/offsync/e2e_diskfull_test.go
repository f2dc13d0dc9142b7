package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/offsync/offsync/client"
	"github.com/offsync/offsync/codec"
)

// mountTmpfs mounts a tmpfs of size (as mount takes it, "48m") on a new
// directory, unmounted at cleanup. It skips the test, saying why, when
// mounting is not permitted (not root, or no mount namespace).
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "fs")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Skipf("SKIPPED: cannot mount a size-limited tmpfs to fill (run as root on Linux to test a full disk): %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// TestDiskFullRefusesWritesAndRecovers runs the built binary on a 48 MiB
// tmpfs, a third of it taken by a filler file, with a reserve of 8 MiB,
// and ingests until the disk is short. Writes then get 507
// insufficient_storage with {code, message} (not a hang, not a crash, no
// SIGBUS from Badger's mmap'd files); a refused write changes nothing;
// reads and pulls go on, and a device defers its push but still pulls.
// Deleting the filler lets writes in again, the deferred push applies,
// and after a kill -9 and a restart every acknowledged write is there.
func TestDiskFullRefusesWritesAndRecovers(t *testing.T) {
	fs := mountTmpfs(t, "48m")
	bin := buildBinary(t)
	filler := filepath.Join(fs, "filler")
	if err := os.WriteFile(filler, make([]byte, 16<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(fs, "data")
	httpAddr, raftAddr := freeAddr(t), freeAddr(t)
	args := []string{"--demo", "--min-free-disk-mb", "8"}
	p := startServe(t, bin, data, httpAddr, raftAddr, args...)
	user, token := crashDeviceUser(t, p.base, e2eToken)
	dev, err := client.OpenDevice(client.DeviceConfig{Store: filepath.Join(t.TempDir(), "device"), Server: p.base, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	ctx := context.Background()
	if _, err := dev.Sync(ctx); err != nil {
		t.Fatalf("first sync: %v", err)
	}

	// Fill the disk with ingest batches of 50 rows of 2 KB each.
	var mu sync.Mutex
	var acked []string
	refused := ""
	pad := strings.Repeat("x", 2000)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10000; i++ {
				var recs []string
				var ids []string
				for k := 0; k < 50; k++ {
					id := fmt.Sprintf("d15cf000-0000-4000-8%03d-%012d", w, i*50+k)
					ids = append(ids, id)
					recs = append(recs, fmt.Sprintf(`{"entity":"account","id":%q,"ownerid":%q,"attributes":{"name":"fill","description":%q}}`, id, user, pad))
				}
				code, b, err := adminReq("POST", p.base+"/v1/records", []byte(`{"records":[`+strings.Join(recs, ",")+`]}`))
				mu.Lock()
				switch {
				case err != nil:
					t.Errorf("writer %d: %v (the server died?)", w, err)
				case code == 200:
					acked = append(acked, ids...)
				case code == 507:
					refused = string(b)
				default:
					t.Errorf("writer %d: %d %s", w, code, b)
				}
				stop := err != nil || code != 200 || refused != ""
				mu.Unlock()
				if stop {
					return
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.Fatalf("the disk filled up badly:\n%s", tail(p.logs.String(), 4000))
	}
	var body struct{ Code, Message string }
	if json.Unmarshal([]byte(refused), &body) != nil || body.Code != "insufficient_storage" || body.Message == "" {
		t.Fatalf("refused write answered %q, want {code: insufficient_storage, message}", refused)
	}
	t.Logf("%d rows acknowledged, then: %s", len(acked), body.Message)

	// A refused write changes nothing; reads and pulls go on.
	before := appliedVersion(t, p.base)
	const late = "d15cf000-0000-4000-8fff-000000000001"
	code, b, _ := adminReq("POST", p.base+"/v1/records", []byte(fmt.Sprintf(`{"records":[{"entity":"account","id":%q,"ownerid":%q,"attributes":{"name":"late"}}]}`, late, user)))
	if code != 507 {
		t.Fatalf("write on a short disk: %d %s", code, b)
	}
	if after := appliedVersion(t, p.base); after != before {
		t.Fatalf("a refused write moved the version from %d to %d", before, after)
	}
	if code, b, _ := adminReq("GET", p.base+"/v1/records/account/"+late, nil); code != 404 {
		t.Fatalf("the refused row: %d %s", code, b)
	}
	if code, b, _ := adminReq("GET", p.base+"/v1/records/account/"+acked[len(acked)-1], nil); code != 200 {
		t.Fatalf("read an acknowledged row on a short disk: %d %s", code, b)
	}
	task := "d15cf000-0000-4000-8fff-000000000002"
	if _, err := dev.Queue(codec.Mutation{ID: task, Entity: "task", RowID: task, Op: "create", Attrs: map[string]any{"subject": "queued on a full disk"}}); err != nil {
		t.Fatal(err)
	}
	sum, err := dev.Sync(ctx)
	if err != nil || sum.Deferred != 1 || sum.Pulls == 0 {
		t.Fatalf("device sync on a short disk: %+v %v (want the push deferred and the pull done)", sum, err)
	}

	// Space returns: writes go in again, the deferred push applies.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	code, b, _ = adminReq("POST", p.base+"/v1/records", []byte(fmt.Sprintf(`{"records":[{"entity":"account","id":%q,"ownerid":%q,"attributes":{"name":"late"}}]}`, late, user)))
	if code != 200 {
		t.Fatalf("write once space returned: %d %s", code, b)
	}
	if sum, err := dev.Sync(ctx); err != nil || sum.Applied != 1 {
		t.Fatalf("device sync once space returned: %+v %v", sum, err)
	}
	acked = append(acked, late)

	p.kill()
	p = startServe(t, bin, data, httpAddr, raftAddr, args...)
	for _, id := range acked {
		if code, b, _ := adminReq("GET", p.base+"/v1/records/account/"+id, nil); code != 200 {
			t.Fatalf("acknowledged row %s after the restart: %d %s", id, code, b)
		}
	}
}

// appliedVersion is the version /readyz reports.
func appliedVersion(t *testing.T, base string) uint64 {
	t.Helper()
	code, b, err := adminReq("GET", base+"/readyz", nil)
	var r struct{ Version uint64 }
	if err != nil || code != 200 || json.Unmarshal(b, &r) != nil {
		t.Fatalf("readyz: %d %s %v", code, b, err)
	}
	return r.Version
}

// tail is the end of s, at most n bytes.
func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
