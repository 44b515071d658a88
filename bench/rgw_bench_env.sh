# Sourced by the content store's S3 benchmarks: starts Ceph's radosgw on 127.0.0.1 under
# $work/rgw (stopped, and $work removed, when the script exits), exports its endpoint and
# credentials for basin and restic, and creates the bucket "bench".
port=$((20000 + RANDOM % 20000))
MON_PORT=$((port + 1)) scripts/s3-server-start.sh "$work/rgw" "$port" bluestore >/dev/null
trap 'scripts/s3-server-stop.sh "$work/rgw" >/dev/null 2>&1; rm -rf "$work"' EXIT
# shellcheck disable=SC1091
. "$work/rgw/env.sh"
export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY AWS_REGION=us-east-1
curl -s -o /dev/null --aws-sigv4 "aws:amz:us-east-1:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" \
  -X PUT -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
  "$S3_ENDPOINT/bench"
