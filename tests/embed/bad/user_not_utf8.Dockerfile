from scratch as app
user nobÍdy
entrypoint ["/app"]
