#!/usr/bin/env bash
# The test bed: real network namespaces, real veth links, real dumpcap, bounded real traffic, and
# (when they can be built) the real Edgeshark services, Gostwire and Packetflix.
#
#   scripts/edgeshark-testbed.sh up        create what is missing (idempotent)
#   scripts/edgeshark-testbed.sh down      stop every process by its PID, delete every namespace
#   scripts/edgeshark-testbed.sh env       the bed as JSON (see docs/testbed.md)
#   scripts/edgeshark-testbed.sh status    what runs, for people
#   scripts/edgeshark-testbed.sh deps      install the Debian packages the bed needs
#   scripts/edgeshark-testbed.sh kube-up   only the Kubernetes API server step of `up` (etcd + kube-apiserver)
#   scripts/edgeshark-testbed.sh kube-down stop only etcd and kube-apiserver (by PID) and forget their state
#   scripts/edgeshark-testbed.sh traffic udp FROM TO [--count N] [--rate PPS] [--size BYTES] [--port P]
#   scripts/edgeshark-testbed.sh traffic tcp FROM TO [--bytes N] [--rate BYTES_PER_S] [--port P]
#
# Must run as root. Addresses come from 198.18.0.0/15 (RFC 2544, set aside for network tests) and
# exist only inside the namespaces made here; nothing is routed to or from the outside.
set -euo pipefail

readonly PREFIX=csharg
readonly STATE_DIR=${CSHARG_TESTBED_STATE:-/run/csharg-testbed}
readonly CACHE_DIR=${CSHARG_TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/csharg-testbed}
readonly PACKETFLIX_VERSION=v0.9.7
readonly GOSTWIRE_VERSION=v2.4.1
readonly CSHARG_GO_VERSION=v1.0.2
readonly SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The offline build recipe this project's machines have (read-only, beside the repository).
readonly SHARED_EDGESHARK=${CSHARG_SHARED_EDGESHARK:-$(cd "$SCRIPT_DIR/../.." && pwd)/shared/edgeshark}
readonly SHARED_KUBERNETES=${CSHARG_SHARED_KUBERNETES:-$(cd "$SCRIPT_DIR/../.." && pwd)/shared/kubernetes}
readonly KUBE_VERSION=v1.37.2

# Target namespaces: short name, address, hub-side address. Each link is its own /30.
readonly TARGETS=(t1 t2 t3 t4)
declare -A TARGET_ADDR=([t1]=198.18.1.1 [t2]=198.18.2.1 [t3]=198.18.3.1 [t4]=198.18.4.1)
declare -A HUB_ADDR=([t1]=198.18.1.2 [t2]=198.18.2.2 [t3]=198.18.3.2 [t4]=198.18.4.2)
# Service namespaces: short name, host-side address, service-side address.
readonly SERVICES=(svc1 svc2)
declare -A SVC_HOST_ADDR=([svc1]=198.18.255.1 [svc2]=198.18.255.5)
declare -A SVC_ADDR=([svc1]=198.18.255.2 [svc2]=198.18.255.6)
readonly EMPTY_NS=${PREFIX}-empty
readonly HUB_NS=${PREFIX}-hub
# nginx in front of svc1's real Packetflix (issue 14): TLS from a CA the bed makes, a bearer-token
# check, the service under /edgeshark/, and /noquery/ which drops the query string (as the
# Kubernetes API-server proxy does on WebSocket upgrades). It listens on the host-side veth only.
readonly NGINX_ADDR=${SVC_HOST_ADDR[svc1]}
readonly NGINX_PORT=5443
readonly NGINX_TOKEN=csharg-testbed-token-5c1f0e
# A real Kubernetes API server (issue 19) whose service proxy reaches svc1's real Packetflix: etcd on
# loopback with non-default ports, kube-apiserver on svc1's host-side veth (as nginx), TLS from a CA
# of its own, a static token file, RBAC. No kubelet, scheduler or controller-manager: the objects the
# proxy needs are made by hand (see ensure_kube_objects).
readonly KUBE_ADDR=${SVC_HOST_ADDR[svc1]}
readonly KUBE_PORT=6443
readonly ETCD_CLIENT_PORT=23790
readonly ETCD_PEER_PORT=23800
readonly KUBE_NS=edgeshark

log() { printf 'testbed: %s\n' "$*" >&2; }
# Go's official installer puts it here, not on PATH for every shell.
[ -x /usr/local/go/bin/go ] && ! command -v go >/dev/null && PATH=$PATH:/usr/local/go/bin
die() { printf 'testbed: error: %s\n' "$*" >&2; exit 1; }

need_root() { [ "$(id -u)" = 0 ] || die "must run as root (it creates network namespaces)"; }

ns_exists() { [ -e "/run/netns/$1" ]; }

# pid_alive PIDFILE EXPECTED_EXE_SUBSTRING: true if the recorded process still runs the same program,
# so that a recycled PID is never mistaken for ours.
pid_alive() {
  local pidfile=$1 want=$2 pid
  [ -s "$pidfile" ] || return 1
  pid=$(cat "$pidfile")
  [ -d "/proc/$pid" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$want"
}

cmd_deps() {
  need_root
  local missing=()
  command -v dumpcap >/dev/null || missing+=(tshark)
  command -v tshark >/dev/null || missing+=(tshark)
  command -v capinfos >/dev/null || missing+=(tshark)
  command -v ip >/dev/null || missing+=(iproute2)
  command -v nsenter >/dev/null || missing+=(util-linux)
  command -v curl >/dev/null || missing+=(curl)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v nginx >/dev/null || missing+=(nginx)
  command -v etcd >/dev/null || missing+=(etcd-server)
  [ ${#missing[@]} = 0 ] && return 0
  log "installing from Debian: ${missing[*]}"
  # dumpcap asks whether non-root users may capture; the bed runs as root, so: no.
  echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # On a machine with systemd, installing etcd-server starts Debian's own etcd (127.0.0.1:2379). The
  # bed runs its own on other ports; the one the installation just started is stopped and disabled.
  if [[ " ${missing[*]} " == *" etcd-server "* ]] && command -v systemctl >/dev/null &&
    systemctl is-active --quiet etcd 2>/dev/null; then
    log "stopping the etcd service the etcd-server package started (the bed runs its own)"
    systemctl disable --now etcd >/dev/null 2>&1 || true
  fi
}

# Builds Packetflix, Gostwire and Siemens' csharg (the reference client, as csharg-go) once into the
# cache. With ../shared/edgeshark beside the repository (this project's machines, where the public Go
# module proxy refuses Siemens' modules) its build.sh builds them offline from a local module proxy;
# elsewhere (a user's machine on the internet) they come from the public Go module proxy. When the
# build fails the reason is recorded: `env` reports it, and with CI=true `up` fails with it.
build_services() {
  local bin=$CACHE_DIR/bin reasons=() out
  mkdir -p "$bin" "$STATE_DIR"
  local pf=$bin/packetflix-$PACKETFLIX_VERSION gw=$bin/gostwire-$GOSTWIRE_VERSION cg=$bin/csharg-go-$CSHARG_GO_VERSION
  if [ -x "$pf" ] && [ -x "$gw" ] && [ -x "$cg" ]; then
    rm -f "$STATE_DIR/services-unavailable"
    return 0
  fi
  command -v go >/dev/null || reasons+=("Go is not installed: the Edgeshark services are built from source (https://go.dev/dl)")
  if [ ${#reasons[@]} = 0 ] && [ -x "$SHARED_EDGESHARK/build.sh" ]; then
    log "building Packetflix $PACKETFLIX_VERSION, Gostwire $GOSTWIRE_VERSION, csharg $CSHARG_GO_VERSION with $SHARED_EDGESHARK/build.sh"
    local tmp
    tmp=$(mktemp -d)
    if out=$(bash "$SHARED_EDGESHARK/build.sh" "$tmp" 2>&1); then
      mv "$tmp/packetflix" "$pf"
      mv "$tmp/gostwire" "$gw"
      mv "$tmp/csharg-go" "$cg"
    else
      reasons+=("$SHARED_EDGESHARK/build.sh failed: $(printf '%s' "$out" | tail -n 5 | tr '\n' ' ' | cut -c1-400)")
    fi
    rm -rf "$tmp"
  elif [ ${#reasons[@]} = 0 ]; then
    build_from_public_proxy "$pf" "$gw" "$cg"
  fi
  if [ ${#reasons[@]} -gt 0 ]; then
    printf '%s\n' "${reasons[@]}" >"$STATE_DIR/services-unavailable"
    log "Edgeshark services unavailable; 'status' shows why"
  else
    rm -f "$STATE_DIR/services-unavailable"
  fi
}

# The same three programs from the public Go module proxy (needs the internet). Appends to the
# caller's `reasons` on failure.
build_from_public_proxy() {
  local pf=$1 gw=$2 cg=$3 tmp out
  tmp=$(mktemp -d)
  log "building Packetflix $PACKETFLIX_VERSION and csharg $CSHARG_GO_VERSION from the Go module proxy"
  if out=$(GOBIN=$tmp go install -tags osusergo,netgo "github.com/siemens/packetflix@$PACKETFLIX_VERSION" 2>&1 &&
    GOBIN=$tmp go install "github.com/siemens/csharg/cmd/csharg@$CSHARG_GO_VERSION" 2>&1); then
    mv "$tmp/packetflix" "$pf"
    mv "$tmp/csharg" "$cg"
  else
    reasons+=("Packetflix $PACKETFLIX_VERSION or csharg $CSHARG_GO_VERSION could not be built: $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-300)")
  fi
  log "building Gostwire $GOSTWIRE_VERSION from the Go module proxy"
  # Gostwire needs a replace for go-sqlite3, which go install refuses: a throw-away module builds it.
  if out=$(cd "$tmp" && go mod init example.invalid/gwbuild 2>&1 &&
    go mod edit -replace=github.com/mattn/go-sqlite3=github.com/mattn/go-sqlite3@v1.14.12 2>&1 &&
    go get "github.com/siemens/ghostwire/v2/cmd/gostwire@$GOSTWIRE_VERSION" 2>&1 &&
    go build -tags osusergo,netgo,sqlite_omit_load_extension -o "$gw" github.com/siemens/ghostwire/v2/cmd/gostwire 2>&1); then
    :
  else
    reasons+=("Gostwire $GOSTWIRE_VERSION could not be built: $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-300)")
  fi
  rm -rf "$tmp"
}

ensure_ns() {
  local ns=$1
  ns_exists "$ns" || ip netns add "$ns"
  ip -n "$ns" link set lo up
}

# A long-running process keeps a namespace alive and gives discovery a process to name. It runs
# sleep through a symlink so that its comm (and so Gostwire's target name) is the namespace's name.
ensure_keeper() {
  local ns=$1 pidfile=$STATE_DIR/$1.keeper.pid
  pid_alive "$pidfile" "$ns" && return 0
  mkdir -p "$STATE_DIR/bin"
  ln -sf "$(command -v sleep)" "$STATE_DIR/bin/$ns"
  setsid nsenter "--net=/run/netns/$ns" "$STATE_DIR/bin/$ns" infinity </dev/null >/dev/null 2>&1 &
  echo $! >"$pidfile"
}

ensure_link() {
  local t=$1 ns=${PREFIX}-$1
  if ! ip -n "$ns" link show eth0 >/dev/null 2>&1; then
    ip -n "$HUB_NS" link del "veth-$t" 2>/dev/null || true
    ip -n "$ns" link add eth0 type veth peer name "veth-$t" netns "$HUB_NS"
  fi
  ip -n "$ns" addr replace "${TARGET_ADDR[$t]}/30" dev eth0
  ip -n "$HUB_NS" addr replace "${HUB_ADDR[$t]}/30" dev "veth-$t"
  ip -n "$ns" link set eth0 up
  ip -n "$HUB_NS" link set "veth-$t" up
  ip -n "$ns" route replace default via "${HUB_ADDR[$t]}"
}

ensure_service_ns() {
  local s=$1 ns=${PREFIX}-$1 hostif=csh-$1
  ensure_ns "$ns"
  if ! ip link show "$hostif" >/dev/null 2>&1; then
    ip link add "$hostif" type veth peer name eth0 netns "$ns"
  fi
  ip addr replace "${SVC_HOST_ADDR[$s]}/30" dev "$hostif"
  ip -n "$ns" addr replace "${SVC_ADDR[$s]}/30" dev eth0
  ip link set "$hostif" up
  ip -n "$ns" link set eth0 up
}

start_services() {
  local s=$1 ns=${PREFIX}-$1
  local pf=$CACHE_DIR/bin/packetflix-$PACKETFLIX_VERSION gw=$CACHE_DIR/bin/gostwire-$GOSTWIRE_VERSION
  [ -x "$pf" ] && [ -x "$gw" ] || return 0
  if ! pid_alive "$STATE_DIR/$s.gostwire.pid" gostwire; then
    setsid nsenter "--net=/run/netns/$ns" "$gw" --http '[::]:5000' </dev/null >"$STATE_DIR/$s.gostwire.log" 2>&1 &
    echo $! >"$STATE_DIR/$s.gostwire.pid"
  fi
  if ! pid_alive "$STATE_DIR/$s.packetflix.pid" packetflix; then
    setsid nsenter "--net=/run/netns/$ns" "$pf" --port 5001 --proxy-discovery --discovery-service localhost --gw-port 5000 \
      </dev/null >"$STATE_DIR/$s.packetflix.log" 2>&1 &
    echo $! >"$STATE_DIR/$s.packetflix.pid"
  fi
  local url=http://${SVC_ADDR[$s]}:5001 i
  for i in $(seq 1 100); do
    curl -fsS -m 2 "$url/version" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  die "Packetflix in $ns did not answer on $url/version (logs in $STATE_DIR)"
}

# The bed's CA and nginx's certificate (for the veth address), made once per bed with openssl.
ensure_nginx_certs() {
  local dir=$STATE_DIR/nginx
  mkdir -p "$dir"
  [ -s "$dir/ca.pem" ] && [ -s "$dir/server.pem" ] && [ -s "$dir/server.key" ] && return 0
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj '/CN=csharg test bed CA' \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$NGINX_ADDR" -keyout "$dir/server.key" -out "$dir/server.csr" >/dev/null 2>&1
  printf 'subjectAltName=IP:%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$NGINX_ADDR" >"$dir/server.ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 30 \
    -extfile "$dir/server.ext" -out "$dir/server.pem" >/dev/null 2>&1
  rm -f "$dir/server.csr"
}

write_nginx_conf() {
  local dir=$STATE_DIR/nginx upstream=http://${SVC_ADDR[svc1]}:5001
  mkdir -p "$dir/tmp"
  cat >"$dir/nginx.conf" <<EOF
# Generated by scripts/edgeshark-testbed.sh: nginx in front of svc1's real Packetflix.
worker_processes 1;
pid $dir/nginx.master.pid;
error_log $dir/error.log warn;
events { worker_connections 512; }
http {
  access_log $dir/access.log;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
  server {
    listen $NGINX_ADDR:$NGINX_PORT ssl;
    ssl_certificate $dir/server.pem;
    ssl_certificate_key $dir/server.key;
    proxy_http_version 1.1;
    proxy_set_header Upgrade \$http_upgrade;
    proxy_set_header Connection \$connection_upgrade;
    proxy_set_header Host \$http_host;
    proxy_buffering off;
    proxy_read_timeout 3600s;
    proxy_send_timeout 3600s;
    # The bearer-token check: a missing or wrong token is 401 before any location is chosen.
    if (\$http_authorization != "Bearer $NGINX_TOKEN") { return 401; }
    # The service under a prefix, as Industrial Edge's nginx serves it.
    location /edgeshark/ { proxy_pass $upstream/; }
    # Forwards without the query string, as the Kubernetes API-server proxy does on an upgrade:
    # a capture through here works only because of the Clustershark-* headers.
    location /noquery/ {
      rewrite ^/noquery/(.*)\$ /\$1? break;
      proxy_pass $upstream;
    }
    location / { return 404; }
  }
}
EOF
}

# Starts nginx (once; by PID, recorded in the state directory) when svc1's Packetflix runs.
start_nginx() {
  local pf=$CACHE_DIR/bin/packetflix-$PACKETFLIX_VERSION
  [ -x "$pf" ] || return 0
  command -v nginx >/dev/null || die "nginx is missing: run 'deps'"
  pid_alive "$STATE_DIR/nginx.pid" nginx && return 0
  ensure_nginx_certs
  write_nginx_conf
  local dir=$STATE_DIR/nginx
  nginx -t -q -e "$dir/error.log" -c "$dir/nginx.conf" -g 'daemon off;' || die "nginx refuses $dir/nginx.conf"
  setsid nginx -e "$dir/error.log" -c "$dir/nginx.conf" -g 'daemon off;' </dev/null >"$dir/nginx.out" 2>&1 &
  echo $! >"$STATE_DIR/nginx.pid"
  local url=https://$NGINX_ADDR:$NGINX_PORT/edgeshark i
  for i in $(seq 1 100); do
    curl -fsS -m 2 --cacert "$dir/ca.pem" -H "Authorization: Bearer $NGINX_TOKEN" "$url/version" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  die "nginx did not answer on $url/version (log: $dir/error.log)"
}

# --- The Kubernetes API server (issue 19) ---------------------------------------------------------

# Builds kube-apiserver once into the cache with ../shared/kubernetes/build.sh (about 5 minutes cold).
# Records why not in $STATE_DIR/kube-unavailable when it cannot.
build_kube() {
  local bin=$CACHE_DIR/bin ka out tmp
  ka=$bin/kube-apiserver-$KUBE_VERSION
  mkdir -p "$bin" "$STATE_DIR"
  [ -x "$ka" ] && return 0
  if ! command -v go >/dev/null; then
    echo "Go is not installed: kube-apiserver $KUBE_VERSION is built from source (https://go.dev/dl)" >"$STATE_DIR/kube-unavailable"
    return 1
  fi
  if [ ! -x "$SHARED_KUBERNETES/build.sh" ]; then
    echo "kube-apiserver $KUBE_VERSION is not in $bin and there is no $SHARED_KUBERNETES/build.sh to build it" >"$STATE_DIR/kube-unavailable"
    return 1
  fi
  log "building kube-apiserver $KUBE_VERSION with $SHARED_KUBERNETES/build.sh (about 5 minutes cold)"
  tmp=$(mktemp -d)
  if out=$(bash "$SHARED_KUBERNETES/build.sh" "$tmp" 2>&1); then
    mv "$tmp/kube-apiserver" "$ka"
    rm -rf "$tmp"
    return 0
  fi
  rm -rf "$tmp"
  echo "$SHARED_KUBERNETES/build.sh failed: $(printf '%s' "$out" | tail -n 5 | tr '\n' ' ' | cut -c1-400)" >"$STATE_DIR/kube-unavailable"
  return 1
}

# The API server's own CA (openssl, once per bed), its serving certificate for the veth address, a
# client certificate (CN csharg-client, O system:masters) signed by the same CA (--client-ca-file),
# the service-account key pair, and the static token file: one admin token (group system:masters,
# which RBAC's bootstrap policy binds to cluster-admin) and one for a user RBAC grants nothing.
ensure_kube_files() {
  local dir=$STATE_DIR/kube
  mkdir -p "$dir"
  if ! [ -s "$dir/ca.pem" ] || ! [ -s "$dir/server.pem" ] || ! [ -s "$dir/client.pem" ] || ! [ -s "$dir/sa.pub" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj '/CN=csharg test bed Kubernetes CA' \
      -keyout "$dir/ca.key" -out "$dir/ca.pem" >/dev/null 2>&1
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$KUBE_ADDR" -keyout "$dir/server.key" -out "$dir/server.csr" >/dev/null 2>&1
    printf 'subjectAltName=IP:%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$KUBE_ADDR" >"$dir/server.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 30 \
      -extfile "$dir/server.ext" -out "$dir/server.pem" >/dev/null 2>&1
    openssl req -newkey rsa:2048 -nodes -subj '/O=system:masters/CN=csharg-client' -keyout "$dir/client.key" \
      -out "$dir/client.csr" >/dev/null 2>&1
    printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n' >"$dir/client.ext"
    openssl x509 -req -in "$dir/client.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 30 \
      -extfile "$dir/client.ext" -out "$dir/client.pem" >/dev/null 2>&1
    openssl genrsa -out "$dir/sa.key" 2048 >/dev/null 2>&1
    openssl rsa -in "$dir/sa.key" -pubout -out "$dir/sa.pub" >/dev/null 2>&1
    rm -f "$dir/server.csr" "$dir/client.csr"
    chmod 600 "$dir"/*.key
  fi
  if ! [ -s "$dir/tokens.csv" ]; then
    local admin nobody
    admin=csharg-kube-$(openssl rand -hex 16)
    nobody=csharg-kube-nobody-$(openssl rand -hex 16)
    printf '%s,admin,1,"system:masters"\n%s,nobody,2\n' "$admin" "$nobody" >"$dir/tokens.csv"
    printf '%s\n' "$admin" >"$dir/token"
    printf '%s\n' "$nobody" >"$dir/forbidden-token"
    chmod 600 "$dir/tokens.csv" "$dir/token" "$dir/forbidden-token"
  fi
  write_kubeconfigs
}

# Two kubeconfig files for the API server: kubeconfig.yaml with the admin token and the CA as a file
# path, kubeconfig-client-cert.yaml with the client certificate, its key and the CA embedded (*-data).
write_kubeconfigs() {
  local dir=$STATE_DIR/kube server=https://$KUBE_ADDR:$KUBE_PORT
  cat >"$dir/kubeconfig.yaml" <<EOF
# Generated by scripts/edgeshark-testbed.sh: the bed's kube-apiserver, admin token, CA file.
apiVersion: v1
kind: Config
clusters:
- name: csharg-testbed
  cluster:
    server: $server
    certificate-authority: $dir/ca.pem
users:
- name: admin
  user:
    token: $(cat "$dir/token")
contexts:
- name: csharg-testbed
  context:
    cluster: csharg-testbed
    user: admin
    namespace: $KUBE_NS
current-context: csharg-testbed
EOF
  cat >"$dir/kubeconfig-client-cert.yaml" <<EOF
# Generated by scripts/edgeshark-testbed.sh: the bed's kube-apiserver, client certificate
# (CN csharg-client, O system:masters) and CA embedded.
apiVersion: v1
kind: Config
clusters:
- name: csharg-testbed
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 "$dir/ca.pem")
users:
- name: csharg-client
  user:
    client-certificate-data: $(base64 -w0 "$dir/client.pem")
    client-key-data: $(base64 -w0 "$dir/client.key")
contexts:
- name: csharg-testbed-client-cert
  context:
    cluster: csharg-testbed
    user: csharg-client
current-context: csharg-testbed-client-cert
EOF
  chmod 600 "$dir/kubeconfig.yaml" "$dir/kubeconfig-client-cert.yaml"
}

# kube_api METHOD PATH [JSON] [CONTENT_TYPE]: one request to the API server as admin; prints the HTTP
# status and leaves the body in $STATE_DIR/kube/last-response.json.
kube_api() {
  local method=$1 path=$2 body=${3:-} ctype=${4:-application/json} dir=$STATE_DIR/kube
  local args=(-sS -m 20 -o "$dir/last-response.json" -w '%{http_code}' --cacert "$dir/ca.pem"
    -H "Authorization: Bearer $(cat "$dir/token")" -X "$method")
  [ -n "$body" ] && args+=(-H "Content-Type: $ctype" --data-binary "$body")
  curl "${args[@]}" "https://$KUBE_ADDR:$KUBE_PORT$path" 2>/dev/null || echo 000
}

# kube_create PATH JSON: creates an object (409: it exists already, also fine).
kube_create() {
  local code
  code=$(kube_api POST "$1" "$2")
  case "$code" in
    201 | 200 | 409) return 0 ;;
    *) die "kube-apiserver refused POST $1 ($code): $(head -c 600 "$STATE_DIR/kube/last-response.json" 2>/dev/null)" ;;
  esac
}

# What the service proxy needs to forward to svc1's Packetflix without a kubelet or controller-manager
# (found by hand, see ../shared/kubernetes/README.md): the namespace and its `default` ServiceAccount;
# the Service `packetflix` without selector (port 5001 named http); a Pod that exists, with nodeName
# set, whose status says Running with podIP = svc1's address; an EndpointSlice (plain Endpoints are not
# read) whose endpoint has a targetRef to that Pod. And `no-endpoints`, a Service with no endpoints
# (the proxy answers 503).
ensure_kube_objects() {
  local ns=$KUBE_NS ip=${SVC_ADDR[svc1]} code
  kube_create /api/v1/namespaces "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"$ns\"}}"
  kube_create "/api/v1/namespaces/$ns/serviceaccounts" '{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"default"}}'
  kube_create "/api/v1/namespaces/$ns/services" \
    '{"apiVersion":"v1","kind":"Service","metadata":{"name":"packetflix"},"spec":{"ports":[{"name":"http","port":5001,"targetPort":5001,"protocol":"TCP"}]}}'
  kube_create "/api/v1/namespaces/$ns/services" \
    '{"apiVersion":"v1","kind":"Service","metadata":{"name":"no-endpoints"},"spec":{"ports":[{"name":"http","port":5001,"targetPort":5001,"protocol":"TCP"}]}}'
  kube_create "/api/v1/namespaces/$ns/pods" \
    '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"packetflix-svc1","labels":{"app":"packetflix"}},"spec":{"nodeName":"csharg-svc1","automountServiceAccountToken":false,"containers":[{"name":"packetflix","image":"ghcr.io/siemens/packetflix","ports":[{"name":"http","containerPort":5001}]}]}}'
  code=$(kube_api PATCH "/api/v1/namespaces/$ns/pods/packetflix-svc1/status" \
    "{\"status\":{\"phase\":\"Running\",\"podIP\":\"$ip\",\"podIPs\":[{\"ip\":\"$ip\"}],\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}" \
    application/merge-patch+json)
  [ "$code" = 200 ] || die "kube-apiserver refused the Pod status ($code): $(head -c 600 "$STATE_DIR/kube/last-response.json")"
  kube_create "/apis/discovery.k8s.io/v1/namespaces/$ns/endpointslices" \
    "{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"packetflix-svc1\",\"labels\":{\"kubernetes.io/service-name\":\"packetflix\"}},\"addressType\":\"IPv4\",\"endpoints\":[{\"addresses\":[\"$ip\"],\"conditions\":{\"ready\":true},\"nodeName\":\"csharg-svc1\",\"targetRef\":{\"kind\":\"Pod\",\"namespace\":\"$ns\",\"name\":\"packetflix-svc1\"}}],\"ports\":[{\"name\":\"http\",\"port\":5001,\"protocol\":\"TCP\"}]}"
}

# Starts etcd (loopback, non-default ports) and kube-apiserver (svc1's host-side veth only), each once
# and recorded by PID; then the objects; then waits until Packetflix answers through the proxy.
start_kube() {
  local dir=$STATE_DIR/kube ka=$CACHE_DIR/bin/kube-apiserver-$KUBE_VERSION i
  rm -f "$STATE_DIR/kube-unavailable"
  build_kube || { log "Kubernetes API server unavailable: $(cat "$STATE_DIR/kube-unavailable")"; return 0; }
  if ! command -v etcd >/dev/null; then
    echo "etcd is missing: run 'deps' (Debian package etcd-server)" >"$STATE_DIR/kube-unavailable"
    log "Kubernetes API server unavailable: etcd is missing"
    return 0
  fi
  ensure_kube_files
  if ! pid_alive "$STATE_DIR/etcd.pid" "$dir/etcd-data"; then
    setsid etcd --name csharg-testbed --data-dir "$dir/etcd-data" \
      --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
      --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
      --initial-cluster "csharg-testbed=http://127.0.0.1:$ETCD_PEER_PORT" </dev/null >"$dir/etcd.log" 2>&1 &
    echo $! >"$STATE_DIR/etcd.pid"
    for i in $(seq 1 100); do
      curl -fsS -m 2 "http://127.0.0.1:$ETCD_CLIENT_PORT/health" 2>/dev/null | grep -q '"health":"true"' && break
      [ "$i" = 100 ] && die "etcd did not become healthy on 127.0.0.1:$ETCD_CLIENT_PORT (log: $dir/etcd.log)"
      sleep 0.2
    done
  fi
  if ! pid_alive "$STATE_DIR/kube-apiserver.pid" "kube-apiserver-$KUBE_VERSION"; then
    setsid "$ka" --etcd-servers="http://127.0.0.1:$ETCD_CLIENT_PORT" \
      --bind-address="$KUBE_ADDR" --advertise-address="$KUBE_ADDR" --secure-port="$KUBE_PORT" \
      --tls-cert-file="$dir/server.pem" --tls-private-key-file="$dir/server.key" \
      --client-ca-file="$dir/ca.pem" --token-auth-file="$dir/tokens.csv" --authorization-mode=RBAC \
      --service-account-issuer=https://kubernetes.default.svc --service-account-key-file="$dir/sa.pub" \
      --service-account-signing-key-file="$dir/sa.key" --service-cluster-ip-range=10.96.0.0/12 \
      --cert-dir="$dir/certs" --profiling=false </dev/null >"$dir/kube-apiserver.log" 2>&1 &
    echo $! >"$STATE_DIR/kube-apiserver.pid"
  fi
  local ok=
  for i in $(seq 1 300); do
    if [ "$(kube_api GET /readyz)" = 200 ]; then ok=1; break; fi
    pid_alive "$STATE_DIR/kube-apiserver.pid" "kube-apiserver-$KUBE_VERSION" || break
    sleep 0.5
  done
  if [ -z "$ok" ]; then
    echo "kube-apiserver did not become ready on https://$KUBE_ADDR:$KUBE_PORT (log: $dir/kube-apiserver.log): $(tail -n 3 "$dir/kube-apiserver.log" | tr '\n' ' ' | cut -c1-400)" >"$STATE_DIR/kube-unavailable"
    log "$(cat "$STATE_DIR/kube-unavailable")"
    return 0
  fi
  ensure_kube_objects
  local proxy=/api/v1/namespaces/$KUBE_NS/services/http:packetflix:5001/proxy
  for i in $(seq 1 100); do
    [ "$(kube_api GET "$proxy/version")" = 200 ] && return 0
    sleep 0.3
  done
  echo "kube-apiserver runs, but its service proxy did not reach svc1's Packetflix ($proxy/version: $(head -c 300 "$dir/last-response.json"))" >"$STATE_DIR/kube-unavailable"
  log "$(cat "$STATE_DIR/kube-unavailable")"
}

cmd_kube_up() {
  need_root
  mkdir -p "$STATE_DIR"
  pid_alive "$STATE_DIR/svc1.packetflix.pid" packetflix || die "svc1's Packetflix does not run: run 'up' first"
  start_kube
  if [ "${CI:-}" = true ] && [ -s "$STATE_DIR/kube-unavailable" ]; then
    die "the Kubernetes API server is not ready (CI=true needs it): $(cat "$STATE_DIR/kube-unavailable")"
  fi
  [ -s "$STATE_DIR/kube-unavailable" ] || log "kube-apiserver up on https://$KUBE_ADDR:$KUBE_PORT"
}

stop_kube() {
  stop_pidfile "$STATE_DIR/kube-apiserver.pid" "kube-apiserver-$KUBE_VERSION"
  stop_pidfile "$STATE_DIR/etcd.pid" "$STATE_DIR/kube/etcd-data"
}

cmd_kube_down() {
  need_root
  stop_kube
  rm -rf "$STATE_DIR/kube" "$STATE_DIR/kube-unavailable"
  log "kube down"
}

cmd_up() {
  need_root
  cmd_deps
  mkdir -p "$STATE_DIR"
  build_services
  ensure_ns "$HUB_NS"
  ensure_keeper "$HUB_NS"
  ip netns exec "$HUB_NS" sysctl -qw net.ipv4.ip_forward=1
  local t
  for t in "${TARGETS[@]}"; do
    ensure_ns "${PREFIX}-$t"
    ensure_keeper "${PREFIX}-$t"
    ensure_link "$t"
  done
  ensure_ns "$EMPTY_NS"
  local s
  for s in "${SERVICES[@]}"; do
    ensure_service_ns "$s"
    start_services "$s"
  done
  start_nginx
  # CI never passes by skipping: services that could not be built fail the run, with the reason.
  if [ "${CI:-}" = true ] && [ -s "$STATE_DIR/services-unavailable" ]; then
    die "the Edgeshark services are not running (CI=true needs them): $(cat "$STATE_DIR/services-unavailable")"
  fi
  if pid_alive "$STATE_DIR/svc1.packetflix.pid" packetflix; then
    start_kube
  else
    echo "svc1's Packetflix does not run, so the Kubernetes API server has nothing to proxy to" >"$STATE_DIR/kube-unavailable"
  fi
  if [ "${CI:-}" = true ] && [ -s "$STATE_DIR/kube-unavailable" ]; then
    die "the Kubernetes API server is not ready (CI=true needs it): $(cat "$STATE_DIR/kube-unavailable")"
  fi
  log "up"
}

stop_pidfile() {
  local pidfile=$1 want=$2 pid i
  if pid_alive "$pidfile" "$want"; then
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
    [ -d "/proc/$pid" ] && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

cmd_down() {
  need_root
  local s t ns
  stop_kube
  stop_pidfile "$STATE_DIR/nginx.pid" nginx
  for s in "${SERVICES[@]}"; do
    stop_pidfile "$STATE_DIR/$s.packetflix.pid" packetflix
    stop_pidfile "$STATE_DIR/$s.gostwire.pid" gostwire
  done
  for ns in "$HUB_NS" $(for t in "${TARGETS[@]}"; do echo "${PREFIX}-$t"; done); do
    stop_pidfile "$STATE_DIR/$ns.keeper.pid" "$ns"
  done
  # Deleting a namespace deletes the veth ends inside it, and with them their peers.
  for ns in "$HUB_NS" "$EMPTY_NS" $(for t in "${TARGETS[@]}"; do echo "${PREFIX}-$t"; done) \
    $(for s in "${SERVICES[@]}"; do echo "${PREFIX}-$s"; done); do
    ns_exists "$ns" && ip netns del "$ns"
  done
  for s in "${SERVICES[@]}"; do ip link del "csh-$s" 2>/dev/null || true; done
  rm -rf "$STATE_DIR"
  log "down"
}

cmd_env() {
  need_root
  node "$SCRIPT_DIR/testbed-env.mjs" "$STATE_DIR" "$PREFIX" "$PACKETFLIX_VERSION" "$GOSTWIRE_VERSION" \
    "$CSHARG_GO_VERSION" "$CACHE_DIR/bin/csharg-go-$CSHARG_GO_VERSION" "https://$NGINX_ADDR:$NGINX_PORT" "$NGINX_TOKEN" |
    node "$SCRIPT_DIR/testbed-kube-env.mjs" "$STATE_DIR" "https://$KUBE_ADDR:$KUBE_PORT" "$KUBE_NS" packetflix 5001 \
      "kube-apiserver-$KUBE_VERSION"
}

cmd_status() {
  local ns
  for ns in $(ls /run/netns 2>/dev/null | grep "^${PREFIX}-" || true); do
    printf '%-14s netns %s\n' "$ns" "$(stat -L -c %i "/run/netns/$ns")"
  done
  local f
  for f in "$STATE_DIR"/*.pid; do
    [ -e "$f" ] || continue
    local pid; pid=$(cat "$f")
    if [ -d "/proc/$pid" ]; then printf '%-28s pid %s running\n' "$(basename "$f" .pid)" "$pid"
    else printf '%-28s pid %s NOT running\n' "$(basename "$f" .pid)" "$pid"; fi
  done
  if [ -s "$STATE_DIR/services-unavailable" ]; then
    echo "Edgeshark services: unavailable:"; sed 's/^/  /' "$STATE_DIR/services-unavailable"
  fi
  if [ -s "$STATE_DIR/kube-unavailable" ]; then
    echo "Kubernetes API server: unavailable:"; sed 's/^/  /' "$STATE_DIR/kube-unavailable"
  fi
}

# traffic udp|tcp FROM TO [options]: FROM and TO are bed hosts (t1, t2, hub); the sender runs inside
# FROM's namespace and sends to TO's address only.
cmd_traffic() {
  need_root
  [ $# -ge 3 ] || die "usage: traffic udp|tcp FROM TO [options]"
  local proto=$1 from=$2 to=$3
  shift 3
  local dst
  case "$to" in
    hub) dst=${HUB_ADDR[$from]:-} ;;
    *) dst=${TARGET_ADDR[$to]:-} ;;
  esac
  [ -n "$dst" ] || die "unknown traffic destination '$to' from '$from' (hosts: ${TARGETS[*]} hub)"
  ns_exists "${PREFIX}-$from" || die "namespace ${PREFIX}-$from does not exist: run 'up' first"
  case "$proto" in
    udp) ip netns exec "${PREFIX}-$from" node "$SCRIPT_DIR/traffic.mjs" udp-send --to "$dst" "$@" ;;
    tcp)
      local sink_out
      sink_out=$(mktemp)
      ip netns exec "${PREFIX}-$to" node "$SCRIPT_DIR/traffic.mjs" tcp-sink "$@" >"$sink_out" &
      local sink=$! i
      for i in $(seq 1 100); do grep -q listening "$sink_out" && break; sleep 0.05; done
      if ! ip netns exec "${PREFIX}-$from" node "$SCRIPT_DIR/traffic.mjs" tcp-send --to "$dst" "$@"; then
        kill "$sink" 2>/dev/null || true
        wait "$sink" 2>/dev/null || true
        rm -f "$sink_out"
        die "tcp traffic from $from to $to failed"
      fi
      wait "$sink"
      grep -v listening "$sink_out" || true
      rm -f "$sink_out"
      ;;
    *) die "unknown traffic protocol '$proto' (udp or tcp)" ;;
  esac
}

main() {
  local cmd=${1:-}
  [ $# -gt 0 ] && shift
  case "$cmd" in
    up) cmd_up ;;
    down) cmd_down ;;
    env) cmd_env ;;
    status) cmd_status ;;
    deps) cmd_deps ;;
    kube-up) cmd_kube_up ;;
    kube-down) cmd_kube_down ;;
    traffic) cmd_traffic "$@" ;;
    *) die "usage: $0 up|down|env|status|deps|kube-up|kube-down|traffic" ;;
  esac
}

main "$@"
