# syntax=docker/dockerfile:1
FROM alpine:3.19
RUN <<EOF
apk add --no-cache curl
CMD ["not", "an", "instruction"]
EOF
COPY <<-EOT /etc/app.conf
	ENTRYPOINT inside heredoc
	EOT
ENTRYPOINT ["/usr/bin/curl"]
CMD ["--help"]
