FROM scratch
ENTRYPOINT ["/first"]
CMD ["a"]
ENTRYPOINT ["/second"]
CMD ["b"]
