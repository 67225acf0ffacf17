from scratch as app
copy app /app
user nobÍdy
entrypoint ["/app"]
cmd ["serve"]
