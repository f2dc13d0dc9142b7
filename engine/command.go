package engine

import (
	"fmt"

	"github.com/offsync/offsync/codec"
)

// Kind says what a Command does.
type Kind uint8

// The command kinds.
const (
	// KindIngest writes a batch of records, all or nothing.
	KindIngest Kind = iota + 1
	// KindSetSchemaDraft replaces the schema draft.
	KindSetSchemaDraft
	// KindPublishSchema makes the draft current and increments the
	// metadata version.
	KindPublishSchema
	// KindPutOrg upserts business units, teams, users, roles and profiles.
	KindPutOrg
	// KindDelete deletes the organization object or profile in Target.
	KindDelete
	// KindPublishProfile publishes the draft rules of profile Target.ID.
	KindPublishProfile
	// KindSetMembers adds or removes profile members.
	KindSetMembers
	// KindIssueToken stores a device token (its hash, never the secret).
	KindIssueToken
	// KindRevokeToken revokes token Target.ID.
	KindRevokeToken
	// KindPrune drops change-log history below Horizon (see prune.go)
	// and the sync errors recorded before SyncErrorsBefore
	// (syncerrorlog.go); a zero field prunes nothing of its kind.
	KindPrune
	// KindPush applies a device's offline mutations (see push.go).
	KindPush
	// KindSetSettings replaces the environment settings.
	KindSetSettings
	// KindDeleteSyncError deletes the sync error SyncError names.
	KindDeleteSyncError
	// KindReapplySyncError applies a rejected mutation as an
	// administrator (privileges are not checked; the schema is) and, when
	// it applies, deletes its sync error.
	KindReapplySyncError
	// KindPutNode records a cluster node's addresses.
	KindPutNode
	// KindSetCursorKey creates the cluster's cursor key (CursorKey) unless
	// it exists.
	KindSetCursorKey
	// KindIssueAdminToken stores a named admin token (its hash, never the
	// secret; see admintoken.go).
	KindIssueAdminToken
	// KindRevokeAdminToken revokes admin token Target.ID.
	KindRevokeAdminToken
	// KindBuildTimeIndex fills in the time index of a database written
	// before it existed (timeindex.go).
	KindBuildTimeIndex
	// KindStartPartitions starts the partition logs of a database written
	// before they existed (partitionwrite.go).
	KindStartPartitions
	// KindRecordContexts registers the access contexts cursors name
	// (Contexts; see contextstore.go).
	KindRecordContexts
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case KindIngest:
		return "ingest"
	case KindSetSchemaDraft:
		return "set-schema-draft"
	case KindPublishSchema:
		return "publish-schema"
	case KindPutOrg:
		return "put-org"
	case KindDelete:
		return "delete"
	case KindPublishProfile:
		return "publish-profile"
	case KindSetMembers:
		return "set-members"
	case KindIssueToken:
		return "issue-token"
	case KindRevokeToken:
		return "revoke-token"
	case KindPrune:
		return "prune"
	case KindPush:
		return "push"
	case KindSetSettings:
		return "set-settings"
	case KindDeleteSyncError:
		return "delete-sync-error"
	case KindReapplySyncError:
		return "reapply-sync-error"
	case KindPutNode:
		return "put-node"
	case KindSetCursorKey:
		return "set-cursor-key"
	case KindBuildTimeIndex:
		return "build-time-index"
	case KindStartPartitions:
		return "start-partitions"
	case KindRecordContexts:
		return "record-contexts"
	case KindIssueAdminToken:
		return "issue-admin-token"
	case KindRevokeAdminToken:
		return "revoke-admin-token"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Command is one state change. Everything Apply needs travels inside it:
// the wall-clock time is fixed by the proposer, so applying it is
// deterministic.
type Command struct {
	Kind Kind `msgpack:"k"`
	// Now is the proposer's wall-clock time, in unix milliseconds.
	Now       int64          `msgpack:"t"`
	Records   []codec.Record `msgpack:"r,omitempty"`
	Schema    *Schema        `msgpack:"s,omitempty"`
	Org       *Org           `msgpack:"o,omitempty"`
	Target    *Target        `msgpack:"g,omitempty"`
	Members   *Members       `msgpack:"m,omitempty"`
	Token     *DeviceToken   `msgpack:"tk,omitempty"`
	Horizon   uint64         `msgpack:"h,omitempty"`
	Push      *Push          `msgpack:"pu,omitempty"`
	Settings  *Settings      `msgpack:"se,omitempty"`
	SyncError *SyncErrorRef  `msgpack:"sr,omitempty"`
	Node      *ClusterNode   `msgpack:"nd,omitempty"`
	// CursorKey is the key a KindSetCursorKey command creates, drawn at
	// random by the proposer.
	CursorKey []byte `msgpack:"ck,omitempty"`
	// SyncErrorsBefore (unix ms) is a KindPrune's sync-error horizon,
	// fixed by the proposer.
	SyncErrorsBefore int64 `msgpack:"sb,omitempty"`
	// AdminToken is the token a KindIssueAdminToken stores.
	AdminToken *AdminToken `msgpack:"at,omitempty"`
	// Contexts are the access contexts a KindRecordContexts registers.
	Contexts []RecordedContext `msgpack:"cx,omitempty"`
}

// Target names one object: its kind (ObjectBusinessUnit, ...) and id.
type Target struct {
	Kind string `msgpack:"k"`
	ID   string `msgpack:"id"`
}

// The object kinds a Target names.
const (
	ObjectBusinessUnit = "businessunit"
	ObjectTeam         = "team"
	ObjectUser         = "user"
	ObjectRole         = "role"
	ObjectProfile      = "profile"
	ObjectToken        = "token"
	ObjectApp          = "app"
)

// Result is what applying one command produced.
type Result struct {
	// Version is the version the command was applied at.
	Version uint64
	// Rows is how many rows the command wrote.
	Rows int
	// MetadataVersion is set by a schema publish.
	MetadataVersion uint64
	// Mutations are a push's results, one per mutation, in order.
	Mutations []MutationResult
	// Err is a rejection (wrapping ErrInvalid, ErrNotFound, ...): the
	// command changed nothing.
	Err error
}

// EncodeCommand encodes a command for the replicated log.
func EncodeCommand(c *Command) ([]byte, error) {
	b, err := codec.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encode command: %w", err)
	}
	return b, nil
}

// DecodeCommand decodes a command from the replicated log.
func DecodeCommand(b []byte) (*Command, error) {
	var c Command
	if err := codec.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("decode command: %w", err)
	}
	return &c, nil
}

// changesOrg says whether a command of kind k may change what a user's
// view depends on besides rows (organization, profiles, schema, tokens,
// settings): such commands are recorded as admin changes (OrgVersion),
// which event streams, share keys and the Access cache watch. Commands
// that only write rows (ingest, push, re-apply) record those rows'
// entities instead; prunes and node records change neither.
func (k Kind) changesOrg() bool {
	switch k {
	case KindIngest, KindPush, KindReapplySyncError, KindDeleteSyncError, KindPrune, KindPutNode, KindSetCursorKey,
		KindIssueAdminToken, KindRevokeAdminToken, KindBuildTimeIndex, KindStartPartitions,
		KindRecordContexts:
		return false
	}
	return true
}
