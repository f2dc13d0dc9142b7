package engine

import "sync"

// tokenCache keeps the device tokens that authenticated in one
// organization epoch, by secret hash: a device authenticates on every
// request, and reading its token from Badger each time was a tenth of a
// no-change pull. Issuing or revoking a token is an admin change, which
// moves the epoch (accesscache.go), so a cached token is always the one a
// read would find. Only tokens that authenticated are kept, and at most
// maxCachedTokens.
type tokenCache struct {
	mu    sync.Mutex
	epoch uint64
	m     map[string]DeviceToken
}

// maxCachedTokens bounds the cache; past it, the cache starts again.
const maxCachedTokens = 100_000

// get returns the token cached for hash in epoch.
func (c *tokenCache) get(epoch uint64, hash string) (DeviceToken, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch != epoch {
		return DeviceToken{}, false
	}
	t, ok := c.m[hash]
	return t, ok
}

// put caches tok for hash in epoch, dropping other epochs.
func (c *tokenCache) put(epoch uint64, hash string, tok DeviceToken) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch != epoch || c.m == nil || len(c.m) >= maxCachedTokens {
		c.epoch, c.m = epoch, map[string]DeviceToken{}
	}
	c.m[hash] = tok
}
