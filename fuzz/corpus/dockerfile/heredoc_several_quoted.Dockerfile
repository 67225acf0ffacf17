FROM alpine:3.19
RUN <<'ONE' cat > /a && <<"TWO" cat > /b
CMD one
ONE
CMD two
TWO
CMD ["/bin/true"]
