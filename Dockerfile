# bmpstream container image: a static binary on distroless (CA certificates, tzdata,
# non-root user 65532). `make image` builds the same image without a container engine
# (deployment/internal/image); a test keeps the two in agreement.
#
#   docker build -t bmpstream --build-arg VERSION=$(git describe --tags --always) .
#   docker run --rm -p 5000:5000 -p 10790:10790 bmpstream --dump=console

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG TARGETOS=linux
ARG TARGETARCH
RUN CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} go build -trimpath -tags timetzdata \
      -ldflags "-s -w -X github.com/bmpstream/bmpstream/internal/app.Version=${VERSION}" \
      -o /out/bmpstream ./cmd/bmpstream \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
ARG REVISION=
LABEL org.opencontainers.image.title="bmpstream" \
      org.opencontainers.image.description="BMP (RFC 7854) collector publishing JSON records to Kafka, NATS or files" \
      org.opencontainers.image.source="https://github.com/bmpstream/bmpstream" \
      org.opencontainers.image.url="https://github.com/bmpstream/bmpstream" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="NOASSERTION"
COPY --from=build /out/bmpstream /usr/local/bin/bmpstream
COPY deployment/docker/bmpstream.yaml /etc/bmpstream/bmpstream.yaml
COPY --from=build --chown=65532:65532 /out/data /var/lib/bmpstream
ENV BMPSTREAM_CONFIG=/etc/bmpstream/bmpstream.yaml
USER 65532:65532
WORKDIR /var/lib/bmpstream
VOLUME ["/var/lib/bmpstream"]
# BMP from routers, then Prometheus /metrics, /healthz and /readyz.
EXPOSE 5000/tcp 10790/tcp
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/bmpstream"]
