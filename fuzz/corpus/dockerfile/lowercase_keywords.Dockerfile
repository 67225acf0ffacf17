from scratch as app
copy app /app
user nobody
entrypoint ["/app"]
cmd ["serve"]
