FROM scratch
CMD --port 80
