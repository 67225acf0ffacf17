FROM gcr.io/distroless/base-debian12
COPY app /app
ENTRYPOINT ["/app", "--serve"]
