FROM python:3.12-alpine
WORKDIR /srv
COPY . .
CMD python app.py --port 8000
