FROM scratch
ENTRYPOINT ["/app", \
# a comment inside the instruction
    "--a", \

    "--b"]
