FROM scratch
ENTRYPOINT ["/bin/tini", "--"]
CMD /app --port $PORT
