# escape=`
FROM scratch
COPY app /app
ENTRYPOINT ["/app", `
            "--dir", "C:\\data"]
