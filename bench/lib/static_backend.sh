# Sourced by the proxy benchmarks (bench/cnaf/run.sh, bench/waf/wrk_compare.sh): loopback
# ports, and the app both proxies stand in front of: an nginx (1 worker) serving /small,
# /page10k and answering POST /post, from a folder of the caller's temp directory.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Waits (bounded, 10 s) until something listens on 127.0.0.1:$1.
wait_port() {
  for _ in $(seq 200); do
    (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "nothing listens on 127.0.0.1:$1" >&2
  return 1
}

# nginx temp folders under $1, writable by its workers (they run as nobody); prints the
# directives naming them.
nginx_temp_dirs() {
  mkdir -p "$1"/{body,proxy,fcgi,uwsgi,scgi}
  chmod 777 "$1"/{body,proxy,fcgi,uwsgi,scgi}
  echo "client_body_temp_path $1/body; proxy_temp_path $1/proxy; fastcgi_temp_path $1/fcgi; uwsgi_temp_path $1/uwsgi; scgi_temp_path $1/scgi;"
}

# start_static_backend WORK PORT: serves $WORK/www on 127.0.0.1:PORT; its pid file is
# $WORK/backend/nginx.pid (the caller stops it).
start_static_backend() {
  local work=$1 port=$2
  chmod 755 "$work"  # the workers read www/
  mkdir -p "$work/www" "$work/backend"
  printf 'ok\n' > "$work/www/small"
  python3 -c "import sys; sys.stdout.write(('<p>' + 'x'*76 + '</p>\n') * 128)" > "$work/www/page10k"
  cat > "$work/backend/nginx.conf" <<CONF
worker_processes 1; pid $work/backend/nginx.pid; error_log $work/backend/error.log warn;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000; $(nginx_temp_dirs "$work/backend")
  server { listen 127.0.0.1:$port; root $work/www;
    location = /small { default_type text/plain; }
    location = /page10k { default_type text/html; }
    location = /post { client_max_body_size 1m; client_body_buffer_size 64k; return 200 "ok\n"; } } }
CONF
  nginx -c "$work/backend/nginx.conf" -p "$work/backend" -e "$work/backend/error.log"
}
