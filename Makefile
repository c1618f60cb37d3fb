# bmpstream — build, run, test.
GO        ?= go
BIN       := bin
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X github.com/bmpstream/bmpstream/internal/buildinfo.Version=$(VERSION)
BMP_TESTDATA ?= $(abspath ../shared/testdata)
export BMP_TESTDATA
FUZZTIME  ?= 10s
# No "Entering directory" lines from the sub-makes of a recipe (make test runs
# make test-deployment).
MAKEFLAGS += --no-print-directory

.PHONY: all build run test test-allocs test-short test-browser fuzz bench lint clean generate check-generate

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/bmpstream ./cmd/bmpstream
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/bmpreplay ./cmd/bmpreplay

# Run the collector on port 5000, JSON Lines on stdout: make echoes nothing on stdout and
# the build's output goes to stderr, so `make run | jq .` works.
RUN_FLAGS ?= --source-port=5000 --dump=console
run:
	@$(MAKE) --no-print-directory build >&2
	@$(BIN)/bmpstream $(RUN_FLAGS)

# Every test, with the race detector (captures are read from $(BMP_TESTDATA)). go test
# hides the output of passing packages, so a missing capture directory is announced here;
# with CI=true the capture tests fail instead of skipping.
test: lint
	@[ -d "$(BMP_TESTDATA)" ] || printf '%s\n' '********************************************************************' \
	  "*** BMP_TESTDATA=$(BMP_TESTDATA) does not exist: the capture tests will SKIP" \
	  '*** (set BMP_TESTDATA to the shared/testdata directory; CI=true makes them fail)' \
	  '********************************************************************' >&2
	$(GO) test -race -count=1 -timeout 20m ./...
	$(MAKE) test-deployment

# The zero-allocation tests (testing.AllocsPerRun) skip under -race: run the packages that
# have them once without it (.ci/run does).
test-allocs:
	$(GO) test -count=1 $$(git grep -l 'AllocsPerRun' -- '*_test.go' | xargs -n1 dirname | sort -u | sed 's|^|./|')

test-short:
	$(GO) test -count=1 ./...

# The looking glass in headless chromium (separate module: chromedp stays out of go.mod).
# LG_SCREENSHOT=docs/images/looking-glass.png refreshes the README's screenshot.
# -mod=mod: the module follows the collector's dependencies (replace ../..) without a
# go.sum update by hand each time the collector gains one.
test-browser:
	cd test/browser && GOFLAGS=-mod=mod $(GO) vet ./... && GOFLAGS=-mod=mod $(GO) test -count=1 -timeout 10m ./...

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

# Everything derived from pkg/record's structs (see docs/schemas.md): the clone and
# protobuf code of pkg/record, schemas/bmpstream/v1/*.proto and its Go code
# (protoc-gen-go at the version go.mod pins), the JSON Schemas, the Python code of the
# example consumer. protoc is Debian's protobuf-compiler.
PROTO := schemas/bmpstream/v1/bmpstream.proto
generate:
	$(GO) run -tags schemagen ./internal/tools/schemagen
	$(GO) build -o $(BIN)/protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go
	protoc -I schemas --plugin=protoc-gen-go=$(BIN)/protoc-gen-go --go_out=. \
		--go_opt=module=github.com/bmpstream/bmpstream $(PROTO)
	mkdir -p examples/python/gen
	protoc -I schemas --python_out=examples/python/gen $(PROTO)
	$(GO) build -o $(BIN)/protoc-gen-connect-go connectrpc.com/connect/cmd/protoc-gen-connect-go
	protoc -I schemas --plugin=protoc-gen-go=$(BIN)/protoc-gen-go --plugin=protoc-gen-connect-go=$(BIN)/protoc-gen-connect-go \
		--go_out=. --go_opt=module=github.com/bmpstream/bmpstream \
		--connect-go_out=. --connect-go_opt=module=github.com/bmpstream/bmpstream schemas/ribapi/v1/rib.proto

# CI: the committed generated files are what `make generate` writes.
check-generate: generate
	@git status --porcelain -- schemas pkg/record pkg/ribapi examples/python | grep . && \
		{ echo "generated files are not up to date: run make generate and commit"; git diff --stat; exit 1; } || true

# Release step: the current schema becomes the baseline that later schemas must stay
# compatible with (test/schemas TestProtoCompatibleWithBaseline, run by make test).
schema-baseline:
	$(GO) test ./test/schemas -run TestProtoCompatibleWithBaseline -count=1 -update-baseline

clean:
	rm -rf $(BIN)

# --- Deployment (issue 11): container image, Kubernetes manifests, deployment tests. ---
# The tools and tests live in the separate Go module deployment/ (helm, k8s.io/api,
# go-containerregistry, compose-go stay out of the main module).
IMAGE_TAR    ?= $(BIN)/bmpstream-image.tar
IMAGE_BINDIR ?= $(BIN)/image
STATIC_FLAGS := -trimpath -tags timetzdata -ldflags "-s -w $(LDFLAGS)"

.PHONY: image manifests test-deployment

# The container image as a tarball (OCI layout + docker manifest.json), built without a
# container engine: `docker load -i bin/bmpstream-image.tar`. Same settings as Dockerfile.
image:
	CGO_ENABLED=0 $(GO) build $(STATIC_FLAGS) -o $(IMAGE_BINDIR)/bmpstream ./cmd/bmpstream
	cd deployment && $(GO) run ./cmd/mkimage --binary $(abspath $(IMAGE_BINDIR))/bmpstream \
		--version $(VERSION) --out $(abspath $(IMAGE_TAR))

# deployment/kubernetes/ rendered from the Helm chart's default values (committed; a test
# checks it is up to date), after copying deployment/prometheus/alerts.yml into the chart.
manifests:
	cd deployment && $(GO) run ./cmd/manifests --chart helm/bmpstream --alerts prometheus/alerts.yml --out kubernetes

# The deployment tests: image, chart, manifests, compose, alert rules, dashboard.
test-deployment:
	cd deployment && $(GO) vet ./... && $(GO) test -race -count=1 -timeout 15m ./...
