FROM --platform=$BUILDPLATFORM golang:1.22 AS build
RUN --mount=type=cache,target=/root/.cache go build -o /app .
FROM --platform=linux/amd64 scratch
COPY --from=build --chmod=755 /app /app
ENTRYPOINT ["/app"]
