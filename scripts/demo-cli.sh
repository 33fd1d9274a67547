#!/usr/bin/env bash
# The command-line demo, on a fresh Debian machine, as root: bring the test bed up, list its capture
# targets, capture ten seconds of one target's traffic into capture.pcapng, and read it with tshark.
# Uses the Edgeshark services of the bed when they run, else this machine's local capture source.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

[ "$(id -u)" = 0 ] || { echo "quickstart: run as root (the test bed creates network namespaces)" >&2; exit 1; }
[ -d node_modules ] || bash scripts/install.sh
npm run --silent build
bash scripts/edgeshark-testbed.sh up

csharg() { node dist/cli/main.js "$@"; }
url=$(bash scripts/edgeshark-testbed.sh env | node -e '
  const env = JSON.parse(require("fs").readFileSync(0, "utf8"));
  process.stdout.write(env.services.available ? env.services.hosts[0].url : "");')
if [ -n "$url" ]; then
  source=(--host "$url")
  echo "== capture targets of the Edgeshark service at $url"
else
  source=(--local)
  echo "== the bed's Edgeshark services are unavailable (see docs/testbed.md): using this machine's local capture source"
  echo "== capture targets on this machine"
fi
csharg "${source[@]}" list

target=$(csharg "${source[@]}" list networks -o name | grep '^csharg-t2(' | head -n 1)
echo "== capturing 10 s of \"$target\" on eth0 into capture.pcapng while t1 sends it 500 UDP datagrams"
(sleep 1 && bash scripts/edgeshark-testbed.sh traffic udp t1 t2 --count 500 --rate 60 >/dev/null) &
traffic=$!
csharg "${source[@]}" capture "$target" -i eth0 --stop-after 10s -w capture.pcapng
wait "$traffic"

echo "== tshark -r capture.pcapng (last 5 of $(capinfos -c -M capture.pcapng | awk '/Number of packets/ {print $4}') packets)"
tshark -r capture.pcapng 2>/dev/null | tail -n 5
