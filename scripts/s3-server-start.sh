#!/usr/bin/env bash
# s3-server-start.sh (from shared/tools/s3/start-ceph-rgw.sh) -- single-node Ceph (1 mon, 1 OSD, no mgr) + radosgw on 127.0.0.1; no systemd, runs as root.
# Install (Debian 12, ~20 s):  apt-get install -y --no-install-recommends ceph-mon ceph-osd radosgw   (16.2.15)
# usage: start-ceph-rgw.sh DIR [RGW_PORT] [STORE]
#        HTTPS on SSL_PORT (default RGW_PORT+2) with a certificate for IP 127.0.0.1 signed by a CA
#        made here (DIR/tls/ca.pem); no host name is in the certificate, so https://localhost fails
#        STORE = bluestore (default: data in a sparse file DIR/osd0-block.img, RSS ~0.4 GB total)
#              | memstore (data in OSD RAM: RSS grows with stored data; not persisted on kill -9)
# env:   S3_ACCESS_KEY / S3_SECRET_KEY (default testkey/testsecret), MON_PORT (default 6789)
# Writes DIR/env.sh (S3_ENDPOINT, S3_HTTPS_ENDPOINT, S3_CA_FILE, S3_ACCESS_KEY, S3_SECRET_KEY,
# S3_REGION, CEPH_PIDS).  Stop: stop-ceph-rgw.sh DIR
set -euo pipefail
DIR=$(realpath -m "${1:?dir}"); RGW_PORT=${2:-7480}; STORE=${3:-bluestore}
MON_PORT=${MON_PORT:-6789}
SSL_PORT=${SSL_PORT:-$((RGW_PORT + 2))}
AK=${S3_ACCESS_KEY:-testkey}; SK=${S3_SECRET_KEY:-testsecret}
HERE=$(cd "$(dirname "$0")" && pwd)
rm -rf "$DIR"; mkdir -p "$DIR"/{run,log,mon.a,osd.0,rgw,tls}
CONF=$DIR/ceph.conf
FSID=$(cat /proc/sys/kernel/random/uuid)
t0=$(date +%s.%N)
# A test CA and a server certificate it signs, valid for IP 127.0.0.1 only (two days).
TLS=$DIR/tls
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${ec[@]}" -keyout "$TLS/ca.key" -out "$TLS/ca.pem" -days 2 \
  -subj "/CN=basin test CA" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req "${ec[@]}" -keyout "$TLS/server.key" -out "$TLS/server.csr" -subj "/CN=127.0.0.1" \
  2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
  >"$TLS/server.ext"
openssl x509 -req -in "$TLS/server.csr" -CA "$TLS/ca.pem" -CAkey "$TLS/ca.key" -CAcreateserial \
  -days 2 -extfile "$TLS/server.ext" -out "$TLS/server.pem" 2>/dev/null
cat > "$CONF" <<EOF
[global]
fsid = $FSID
mon host = v1:127.0.0.1:$MON_PORT
public addr = 127.0.0.1
ms bind msgr2 = false
auth cluster required = none
auth service required = none
auth client required = none
run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
pid file = $DIR/run/\$name.pid
log file = $DIR/log/\$name.log
keyring = $DIR/keyring
crash dir = $DIR/crash
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
paxos propose interval = 0.1
[mon]
mon data = $DIR/mon.a
mon cluster log file = $DIR/log/cluster.log
[osd]
osd data = $DIR/osd.0
osd objectstore = $STORE
# the OSD must not register itself in CRUSH at boot: that mon command raced with monmap receipt
# ("handle_command on fsid 0000... wrong fsid") and killed the OSD in 1 of 4 starts; we add it to CRUSH ourselves
osd crush update on start = false
osd class update on start = false
memstore device bytes = 4294967296
bluestore block path = $DIR/osd0-block.img
bluestore block create = true
bluestore block size = 21474836480
bluestore fsck on mount = false
bluestore fsck on mkfs = false
bluestore cache autotune = false
bluestore cache size = 134217728
osd memory target = 939524096
osd op num shards = 1
osd op num threads per shard = 2
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT ssl_endpoint=127.0.0.1:$SSL_PORT ssl_certificate=$TLS/server.pem ssl_private_key=$TLS/server.key
rgw data = $DIR/rgw
rgw thread pool size = 64
rgw enable usage log = false
EOF
C=(-c "$CONF")
cleanup_on_fail() {
  local rc=$?; set +e
  if [ $rc != 0 ]; then
    echo "start-ceph-rgw: FAILED (rc=$rc); logs in $DIR/log" >&2
    for f in "$DIR"/log/*.out; do echo "== $f" >&2; tail -n 5 "$f" >&2; done
    KEEP=1 "$HERE/s3-server-stop.sh" "$DIR"
  fi
}
trap cleanup_on_fail EXIT
cli() { timeout 60 ceph "${C[@]}" --connect-timeout 30 "$@"; }
alive() { kill -0 "$(cat "$DIR/$1.pid")" 2>/dev/null || { echo "$1 died" >&2; return 1; }; }

: > "$DIR/keyring"
monmaptool --create --fsid "$FSID" --addv a "[v1:127.0.0.1:$MON_PORT]" "$DIR/monmap" >/dev/null  # v1: msgr2 is off
ceph-mon "${C[@]}" -i a --mkfs --monmap "$DIR/monmap" --keyring "$DIR/keyring"
ceph-mon "${C[@]}" -i a -f >"$DIR/log/mon.a.out" 2>&1 &
echo $! > "$DIR/mon.pid"
cli mon stat >/dev/null
OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
OSD_ID=$(cli osd new "$OSD_UUID")
cli osd crush add "osd.$OSD_ID" 1.0 root=default >/dev/null 2>&1
ceph-osd "${C[@]}" -i "$OSD_ID" --mkfs --osd-uuid "$OSD_UUID" >"$DIR/log/osd.mkfs.out" 2>&1
ceph-osd "${C[@]}" -i "$OSD_ID" -f >"$DIR/log/osd.0.out" 2>&1 &
echo $! > "$DIR/osd.pid"
for i in $(seq 1 120); do cli osd stat 2>/dev/null | grep -q '1 up' && break; alive osd; sleep 0.5; done
cli osd stat | grep -q '1 up'
t_osd=$(date +%s.%N)
radosgw "${C[@]}" -n client.rgw.a -f >"$DIR/log/rgw.out" 2>&1 &
echo $! > "$DIR/rgw.pid"
for i in $(seq 1 240); do curl -s -o /dev/null "http://127.0.0.1:$RGW_PORT/" && break; alive rgw; sleep 0.25; done
curl -s -o /dev/null "http://127.0.0.1:$RGW_PORT/"
curl -s -o /dev/null --cacert "$TLS/ca.pem" "https://127.0.0.1:$SSL_PORT/"
timeout 60 radosgw-admin "${C[@]}" user create --uid=tester --display-name=tester \
  --access-key="$AK" --secret="$SK" >/dev/null
t_rgw=$(date +%s.%N)
# warm-up: the first bucket / first object create the index and data pools (~2 s each); do it now
S=(-s -o /dev/null -w '%{http_code}' --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AK:$SK")
E0=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
W=http://127.0.0.1:$RGW_PORT/warmup-bucket
[ "$(curl "${S[@]}" -X PUT -H "x-amz-content-sha256: $E0" "$W")" = 200 ]
printf x > "$DIR/run/warmup.obj"
[ "$(curl "${S[@]}" -T "$DIR/run/warmup.obj" -H "x-amz-content-sha256: $(sha256sum "$DIR/run/warmup.obj" | cut -d' ' -f1)" "$W/x")" = 200 ]
[ "$(curl "${S[@]}" -X DELETE -H "x-amz-content-sha256: $E0" "$W/x")" = 204 ]
[ "$(curl "${S[@]}" -X DELETE -H "x-amz-content-sha256: $E0" "$W")" = 204 ]
t1=$(date +%s.%N)
cat > "$DIR/env.sh" <<EOF
export CEPH_CONF=$CONF
export S3_ENDPOINT=http://127.0.0.1:$RGW_PORT S3_HTTPS_ENDPOINT=https://127.0.0.1:$SSL_PORT
export S3_CA_FILE=$TLS/ca.pem S3_ACCESS_KEY=$AK S3_SECRET_KEY=$SK S3_REGION=us-east-1
export CEPH_PIDS="$(cat "$DIR/rgw.pid") $(cat "$DIR/osd.pid") $(cat "$DIR/mon.pid")"
EOF
printf 'ceph+rgw (%s) ready in %.1f s (mon+osd %.1f s, rgw+user %.1f s, warm-up %.1f s); S3 at http://127.0.0.1:%s key %s\n' \
  "$STORE" "$(awk "BEGIN{print $t1-$t0}")" "$(awk "BEGIN{print $t_osd-$t0}")" "$(awk "BEGIN{print $t_rgw-$t_osd}")" "$(awk "BEGIN{print $t1-$t_rgw}")" "$RGW_PORT" "$AK"
