FROM scratch
ARG APP_USER=app
USER ${APP_USER}
CMD ["/app"]
