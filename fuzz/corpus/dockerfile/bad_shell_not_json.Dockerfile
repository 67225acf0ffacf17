FROM scratch
SHELL /bin/bash -c
CMD x
