package engine

import "encoding/binary"

// The Badger key layout. Entity names match [a-z][a-z0-9_]* and ids are
// canonical GUIDs, so "/" never occurs inside a component.
//
//	r/{entity}/{id}                          current row (codec.Row), tombstones kept
//	c/{entity}/{version:be64}/{id}           change-log entry (ChangeEntry)
//	o/{entity}/{businessUnit}/{owner}/{id}   owner index (empty value): the rows of an
//	                                         owner, and of a business unit (layout.go)
//	w/{entity}/{modifiedon:be64}/{id}        modifiedon index, for windows (sign bit flipped)
//	x/{targetId}/{source}/{sourceId}/{attr}  lookup reference index (ids are global)
//	m/draft, m/current                       schema draft and published schema
//	s/{kind}/{id}                            organization objects (bu, team, user, role)
//	s/tm/{user}/{team}                       team membership index (empty value)
//	s/up/{user}[/{app}], s/tp/{team}[/{app}] the profile a user or team is a member of in an app
//	s/app/{id}                              an app module
//	p/{id}                                   offline profiles
//	ph/{id}/{publish:be64}                   the rules of each publish (for deltas across one)
//	t/{id}, th/{hash}                        device tokens, and the index by secret hash
//	at/{id}, ath/{hash}                      admin tokens, and the live ones by secret hash
//	a/applied                                last applied version (be64)
//	a/horizon                                change-log retention horizon (be64)
//	cx/{fingerprint:be64}                    access contexts cursors name (contextEntry; contextstore.go)
//	ti/{entity}/{attr}/{value:be64}/{id}     time index, only of the pairs marked by
//	a/ti/{entity}/{attr}                     (timeindex.go, timeindexpairs.go)
const (
	prefixRow       = "r/"
	prefixChange    = "c/"
	prefixOwner     = "o/"
	prefixMod       = "w/"
	prefixRef       = "x/"
	prefixSec       = "s/"
	prefixProfile   = "p/"
	prefixToken     = "t/"
	prefixTokenHash = "th/"
	keyDraft        = "m/draft"
	keyCurrent      = "m/current"
	keyApplied      = "a/applied"
	keyHorizon      = "a/horizon"
)

func rowKey(entity, id string) []byte {
	k := make([]byte, 0, len(prefixRow)+len(entity)+1+len(id))
	k = append(k, prefixRow...)
	k = append(k, entity...)
	k = append(k, '/')
	return append(k, id...)
}

func rowPrefix(entity string) []byte {
	return []byte(prefixRow + entity + "/")
}

func changePrefix(entity string) []byte {
	return []byte(prefixChange + entity + "/")
}

func changeKey(entity string, version uint64, id string) []byte {
	k := make([]byte, 0, len(prefixChange)+len(entity)+1+8+1+len(id))
	k = append(k, prefixChange...)
	k = append(k, entity...)
	k = append(k, '/')
	k = binary.BigEndian.AppendUint64(k, version)
	k = append(k, '/')
	return append(k, id...)
}

// changeSeek is the first change key of entity with a version above after.
func changeSeek(entity string, after uint64) []byte {
	k := append(changePrefix(entity), make([]byte, 8)...)
	binary.BigEndian.PutUint64(k[len(k)-8:], after+1)
	return k
}

// ownerKey indexes a row by its owning business unit and its owner. A
// row's business unit is its owner's (orgmove.go keeps it so), so the
// rows of an owner are under ownerPrefix and those of a business unit
// under buPrefix: one key serves both scopes.
func ownerKey(entity, bu, owner, id string) []byte {
	k := make([]byte, 0, len(prefixOwner)+len(entity)+len(bu)+len(owner)+len(id)+3)
	k = append(k, prefixOwner...)
	k = append(k, entity...)
	k = append(k, '/')
	k = append(k, bu...)
	k = append(k, '/')
	k = append(k, owner...)
	k = append(k, '/')
	return append(k, id...)
}

func modKey(entity string, modifiedOn int64, id string) []byte {
	k := make([]byte, 0, len(prefixMod)+len(entity)+1+8+1+len(id))
	k = append(k, prefixMod...)
	k = append(k, entity...)
	k = append(k, '/')
	k = binary.BigEndian.AppendUint64(k, uint64(modifiedOn)^(1<<63))
	k = append(k, '/')
	return append(k, id...)
}

func modPrefix(entity string) []byte {
	return []byte(prefixMod + entity + "/")
}

// modSeek is the first modifiedon-index key of entity at or after t.
func modSeek(entity string, t int64) []byte {
	k := append(modPrefix(entity), make([]byte, 8)...)
	binary.BigEndian.PutUint64(k[len(k)-8:], uint64(t)^(1<<63))
	return k
}

// buPrefix is the owner-index prefix for the rows of entity owned in
// business unit bu; the rest of each key is {owner}/{id}.
func buPrefix(entity, bu string) []byte {
	return []byte(prefixOwner + entity + "/" + bu + "/")
}

// ownerPrefix is the owner-index prefix for the rows of entity owned by
// owner, whose business unit is bu.
func ownerPrefix(entity, bu, owner string) []byte {
	return []byte(prefixOwner + entity + "/" + bu + "/" + owner + "/")
}

func refKey(targetID, source, sourceID, attr string) []byte {
	k := make([]byte, 0, len(prefixRef)+len(targetID)+len(source)+len(sourceID)+len(attr)+3)
	k = append(k, prefixRef...)
	k = append(k, targetID...)
	k = append(k, '/')
	k = append(k, source...)
	k = append(k, '/')
	k = append(k, sourceID...)
	k = append(k, '/')
	return append(k, attr...)
}

func refPrefix(targetID string) []byte {
	return []byte(prefixRef + targetID + "/")
}

func secKey(kind, id string) []byte {
	return []byte(prefixSec + kind + "/" + id)
}

func secPrefix(kind string) []byte {
	return []byte(prefixSec + kind + "/")
}

func memberKey(user, team string) []byte {
	return []byte(prefixSec + "tm/" + user + "/" + team)
}

func memberPrefix(user string) []byte {
	return []byte(prefixSec + "tm/" + user + "/")
}

// userProfileKey records the profile user is a member of in app. The
// default app keeps the key it had before apps existed.
func userProfileKey(user, app string) []byte {
	if appID(app) == DefaultAppID {
		return []byte(prefixSec + "up/" + user)
	}
	return []byte(prefixSec + "up/" + user + "/" + app)
}

// teamProfileKey is userProfileKey for a team.
func teamProfileKey(team, app string) []byte {
	if appID(app) == DefaultAppID {
		return []byte(prefixSec + "tp/" + team)
	}
	return []byte(prefixSec + "tp/" + team + "/" + app)
}

func tokenKey(id string) []byte {
	return []byte(prefixToken + id)
}

func tokenHashKey(hash string) []byte {
	return []byte(prefixTokenHash + hash)
}

func ruleHistoryKey(id string, version uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte("ph/"+id+"/"), version)
}

func profileKey(id string) []byte {
	return []byte(prefixProfile + id)
}

func encodeVersion(v uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, v)
}
