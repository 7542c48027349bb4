# Sourced by scripts: starts a throwaway PostgreSQL cluster (initdb + pg_ctl as an unprivileged
# user, loopback, random port), exports KOJO_PG_URL, and stops and removes it on exit.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "PostgreSQL server binaries not found (install the 'postgresql' package)" >&2
  exit 1
fi
pg_dir=$(mktemp -d /tmp/kojo-pg.XXXXXX)
chmod 755 "$pg_dir"
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  # PostgreSQL refuses to run as root: use the unprivileged 'postgres' account (or 'nobody').
  pg_user=postgres
  id "$pg_user" >/dev/null 2>&1 || pg_user=nobody
  chown "$pg_user" "$pg_dir"
  as_pg=(runuser -u "$pg_user" --)
fi
pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pg_cleanup() {
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap pg_cleanup EXIT
echo "==> starting PostgreSQL ($("$pg_bin/postgres" --version)) on 127.0.0.1:$pg_port" >&2
"${as_pg[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U kojo --auth=trust -E UTF8 --locale=C >"$pg_dir/initdb.log" 2>&1 \
  || { cat "$pg_dir/initdb.log" >&2; exit 1; }
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c max_connections=200" start >/dev/null \
  || { cat "$pg_dir/server.log" >&2; exit 1; }
export KOJO_PG_URL="postgres://kojo@127.0.0.1:$pg_port/postgres"
