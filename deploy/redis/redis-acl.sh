#!/bin/sh
# Starts redis-server with the platform's ACL users: one per app, each limited to its own keys
# and channels (users.acl beside this script; docs/security.md explains each user).
#
#   REDIS_AUTH_PASSWORD=… REDIS_MODERATION_PASSWORD=… REDIS_GATEWAY_PASSWORD=… \
#   REDIS_REPLAY_PASSWORD=… deploy/redis/redis-acl.sh [redis-server options…]
#
# users.acl holds no password (loaded as is, nobody could log in): every user but `default`
# gets the one in REDIS_<USER>_PASSWORD, stored in the rendered file as its SHA-256 only.
# REDIS_ACL_NAMESPACE=ns prefixes every key and channel pattern with `ns:`, as the apps'
# DANMAKU_NAMESPACE prefixes their keys and the adapter's channels. REDIS_ACL_FILE is where the
# rendered file goes (default: $TMPDIR or /tmp). Used by docker-compose.yml,
# `REDIS_ACL=1 npm run infra:up` and apps/platform-e2e/src/redis-acl.e2e-spec.ts.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
template="$here/users.acl"
out=${REDIS_ACL_FILE:-${TMPDIR:-/tmp}/danmaku-users.acl}
ns=${REDIS_ACL_NAMESPACE:+$REDIS_ACL_NAMESPACE:}

fail() {
  echo "redis-acl.sh: $*" >&2
  exit 1
}

# One line of users.acl, split into its words, rendered.
render() {
  [ "$1" = user ] && [ $# -ge 2 ] || fail "$template: not a user line: $*"
  name=$2
  shift 2
  acl="user $name"
  for rule in "$@"; do
    case $rule in
      '~'*) rule="~$ns${rule#"~"}" ;;
      '%'*'~'*) rule="${rule%%"~"*}~$ns${rule#*"~"}" ;;
      '&'*) rule="&$ns${rule#"&"}" ;;
    esac
    acl="$acl $rule"
  done
  if [ "$name" != default ]; then
    var="REDIS_$(printf %s "$name" | tr 'a-z-' 'A-Z_')_PASSWORD"
    eval "password=\${$var:-}"
    [ -n "$password" ] || fail "$var is not set (the password of Redis user '$name')"
    # It goes into the app's redis:// URL as is: URL-safe characters only.
    case $password in
      *[!A-Za-z0-9._~-]*) fail "$var may hold only A-Z a-z 0-9 . _ ~ - (openssl rand -hex 32 makes one)" ;;
    esac
    [ ${#password} -ge 16 ] || fail "$var is shorter than 16 characters"
    # After the template's `resetpass`: rules apply from left to right.
    acl="$acl #$(printf %s "$password" | sha256sum | cut -d' ' -f1)"
  fi
  printf '%s\n' "$acl"
}

umask 077
rendered=''
set -f # the patterns hold '*': no globbing when a line is split into its rules
while IFS= read -r line || [ -n "$line" ]; do
  # shellcheck disable=SC2086 # split on purpose: one word per rule
  [ -z "$line" ] || rendered="$rendered$(render $line)
"
done < "$template"
set +f
printf %s "$rendered" > "$out"

exec redis-server --aclfile "$out" "$@"
