# make build: the offsync binary, with its version and commit set at link
# time (offsync version and GET /version show them even where Go's VCS
# stamping is off, as in a source archive or a container build).

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
PKG     := github.com/offsync/offsync/server
LDFLAGS := -X $(PKG).Version=$(VERSION) -X $(PKG).Commit=$(COMMIT)
OUT     ?= offsync

.PHONY: build test
build:
	go build -ldflags "$(LDFLAGS)" -o $(OUT) ./cmd/offsync

test:
	go test -race ./...
