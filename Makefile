# bmpstream — build, run, test.
GO        ?= go
BIN       := bin
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X github.com/bmpstream/bmpstream/internal/app.Version=$(VERSION)
BMP_TESTDATA ?= $(abspath ../shared/testdata)
export BMP_TESTDATA
FUZZTIME  ?= 10s

.PHONY: all build run test test-short fuzz bench lint clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/bmpstream ./cmd/bmpstream
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/bmpreplay ./cmd/bmpreplay

# Run the collector on port 5000, JSON Lines on stdout.
run: build
	$(BIN)/bmpstream --source-port=5000 --dump=console

# Every test, with the race detector (captures are read from $(BMP_TESTDATA)).
test: lint
	$(GO) test -race -count=1 -timeout 20m ./...

test-short:
	$(GO) test -count=1 ./...

# Each fuzz target for $(FUZZTIME).
fuzz:
	./scripts/fuzz.sh $(FUZZTIME)

# End-to-end throughput and memory benchmark (see README "Performance").
bench: build
	./scripts/bench.sh

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf $(BIN)
