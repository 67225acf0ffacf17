# a comment first
# escape=`
FROM scratch
CMD ["/app", \
     "x"]
