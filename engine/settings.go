package engine

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// Settings are the environment's settings.
type Settings struct {
	// ConflictDetection rejects an update whose changed attributes were
	// changed on the server after the device's base version. Off (the
	// default): the last write wins, attribute by attribute.
	ConflictDetection bool `json:"conflictDetection" msgpack:"cd"`
	// SyncErrorsPerDevice is how many sync errors are kept per device
	// token, the oldest dropped first; 0 means DefaultSyncErrorsPerDevice.
	SyncErrorsPerDevice int `json:"syncErrorsPerDevice,omitempty" msgpack:"sepd,omitempty"`
}

const keySettings = "m/settings"

func (st *cmdState) setSettings(s *Settings) error {
	if s == nil {
		return invalidf("settings: missing")
	}
	if s.SyncErrorsPerDevice < 0 || s.SyncErrorsPerDevice > MaxSyncErrorsPerDevice {
		return invalidf("settings.syncErrorsPerDevice: %d is not between 0 (the default, %d) and %d", s.SyncErrorsPerDevice, DefaultSyncErrorsPerDevice, MaxSyncErrorsPerDevice)
	}
	return st.setDecoded([]byte(keySettings), s)
}

// settings reads the settings as this command sees them.
func (st *cmdState) settings() (Settings, error) {
	var s Settings
	err := st.getDecoded([]byte(keySettings), &s)
	if errors.Is(err, ErrNotFound) {
		return Settings{}, nil
	}
	return s, err
}

// Settings returns the current settings.
func (e *Engine) Settings() (Settings, error) {
	var s Settings
	err := e.readTxn(func(txn *badger.Txn) error { return getDecoded(txn, []byte(keySettings), &s) })
	if errors.Is(err, ErrNotFound) {
		return Settings{}, nil
	}
	if err != nil {
		return s, fmt.Errorf("read settings: %w", err)
	}
	return s, nil
}
