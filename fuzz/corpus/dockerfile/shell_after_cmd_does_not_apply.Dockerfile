FROM scratch
CMD echo first
SHELL ["/bin/bash", "-c"]
