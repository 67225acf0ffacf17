FROM scratch
ENTRYPOINT ["/app"]