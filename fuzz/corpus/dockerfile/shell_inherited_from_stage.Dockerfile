FROM scratch AS base
SHELL ["/bin/ash", "-eo", "pipefail", "-c"]
FROM base
ENTRYPOINT /app start
