# Multi-stage: build a static binary (pure-Go SQLite, CGO off), run it as a
# non-root user with the data folder on a volume.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/portal ./cmd/portal && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/portal /usr/local/bin/portal
# The data folder belongs to the non-root user, so the volume starts writable.
COPY --from=build --chown=65532:65532 /out/data /data
ENV PORTAL_ADDR=0.0.0.0:8080 \
    PORTAL_DEMO=0 \
    PORTAL_DATA=/data \
    PORTAL_LOG_FORMAT=json
VOLUME ["/data"]
WORKDIR /data
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/portal"]
CMD ["serve"]
