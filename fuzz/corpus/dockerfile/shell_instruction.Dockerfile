FROM scratch
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
CMD echo hello | tee /tmp/x
