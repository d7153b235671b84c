#!/bin/bash
# transport-ssh.sh: the ssh transport (src/host/transport_ssh.c) against a real
# sshd, through tests/tools/transport-driver.
#
# Commands: streamed output, exit statuses, stdin, environment, time-out,
# hostile arguments; files: read, stat, atomic write keeping owner and mode;
# host keys: unknown (refused, then accepted and recorded), changed
# (refused with both fingerprints); authentication: wrong key, password;
# unreachable and silent servers within the connect time-out.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"

DRIVER=${TRANSPORT_DRIVER:-$top_builddir/tests/tools/transport-driver}
[ -x "$DRIVER" ] || skip_all "transport-driver not built ($DRIVER)"
[ -x /usr/sbin/sshd ] || skip_all "sshd not installed (Debian package openssh-server)"
command -v ssh-keygen >/dev/null || skip_all "ssh-keygen not installed (openssh-client)"

fx_setup
fx_host db1 || bail_out "cannot create host db1"
fx_sshd db1 || bail_out "cannot start sshd on db1"

ADDR=$FX_ADDR_db1
PORT=$FX_SSH_PORT_db1
HOSTKEY_PUB=$FX_DIR/db1/ssh/ssh_host_ed25519_key.pub
if [ "$PORT" = 22 ]; then KH_NAME=$ADDR; else KH_NAME="[$ADDR]:$PORT"; fi
FILES=$FX_DIR/db1/files
mkdir -p "$FILES" && chown "$FX_USER:" "$FILES" && chmod 0755 "$FILES"
UID_USER=$(id -u "$FX_USER")
GID_USER=$(id -g "$FX_USER")

now_ms() { local t=${EPOCHREALTIME/./}; printf '%s\n' $((t / 1000)); }

# The driver as a user would run it, but with nothing from this machine's
# own ssh set-up: no agent, the fixture's configuration only.
drv()
{
	env -u SSH_AUTH_SOCK "$DRIVER" --ssh-config "$FX_SSH_CONFIG" "$@"
}

# run_drv ARGS...: run the driver, keep stdout in $OUT, stderr in $ERR
# (files $FX_DIR/out, $FX_DIR/err) and its exit status in $RC.
run_drv()
{
	RC=0
	drv "$@" >"$FX_DIR/out" 2>"$FX_DIR/err" || RC=$?
	OUT=$(tr -d '\0' <"$FX_DIR/out")
	ERR=$(tr -d '\0' <"$FX_DIR/err")
}

fingerprint() { ssh-keygen -lf "$1" | awk '{print $2}'; }

# ---------------------------------------------------------------------------
# host keys: unknown

FP1=$(fingerprint "$HOSTKEY_PUB")
like "$FP1" '^SHA256:[A-Za-z0-9+/]{43}$' "ssh-keygen gives the host key's fingerprint"

run_drv db1 exec -- touch "$FILES/ran-unknown"
is "$RC" 255 "unknown host: refused without --accept-new-host (exit 255)"
like "$ERR" "host key of .*$ADDR.* is not known" "unknown host: the message names the host"
like "$ERR" "${FP1//+/\\+}" "unknown host: the message shows the offered fingerprint"
ok "unknown host: the command did not run" test ! -e "$FILES/ran-unknown"
is "$(ssh-keygen -F "$KH_NAME" -f "$FX_KNOWN_HOSTS" 2>/dev/null | grep -vc '^#')" 0 \
	"unknown host: nothing recorded in known_hosts after a refusal"

run_drv --accept-new-host db1 exec -- sh -c 'touch "$1" && echo hello' sh "$FILES/ran-accepted"
is "$RC" 0 "unknown host: accepted with --accept-new-host"
is "$OUT" hello "unknown host: the command ran after acceptance"
ok "unknown host: the login can create the marker files the refusals check" test -e "$FILES/ran-accepted"
like "$ERR" "^unknown host $ADDR:$PORT ssh-ed25519 SHA256:" \
	"unknown host: the callback got host, port and key type"
is "$(sed -n 's/^unknown host .* \(SHA256:.*\)$/\1/p' "$FX_DIR/err")" "$FP1" \
	"unknown host: the fingerprint matches ssh-keygen -lf of the server's key"
ok "unknown host: the key is now in known_hosts" \
	ssh-keygen -F "$KH_NAME" -f "$FX_KNOWN_HOSTS"

run_drv db1 exec -- echo again
is "$RC:$OUT" "0:again" "known host: the next connection needs no callback"
unlike "$ERR" "unknown host" "known host: the callback was not called"

# ---------------------------------------------------------------------------
# exec

run_drv db1 exec -- sh -c 'echo out1; echo err1 >&2; exit 3'
is "$RC" 3 "exec: exit status 3 passed on"
is "$OUT" out1 "exec: stdout on stdout"
is "$ERR" err1 "exec: stderr on stderr"

run_drv db1 exec -- true
is "$RC" 0 "exec: exit status 0"

run_drv db1 exec --checked -- sh -c 'echo out1; echo " remote reason " >&2; exit 4'
is "$RC:$OUT" "4:out1" "run_checked: status and stdout over ssh"
like "$ERR" 'the command "sh" failed on .* with exit status 4' "run_checked: the error names command and status" || diag "$ERR"
like "$ERR" $'DETAIL:  remote reason$' "run_checked: the remote stderr, trimmed, is the detail" || diag "$ERR"


run_drv db1 exec -- sh -c 'kill -KILL $$'
is "$RC" 137 "exec: a command killed by SIGKILL gives 128+9"

# the login shell itself killed: sshd reports an exit-signal, no exit-status
run_drv db1 exec -- sh -c 'kill -USR1 0'
is "$RC" 138 "exec: a session killed by SIGUSR1 (exit-signal) gives 128+10"

run_drv db1 exec -- /nonexistent/program
is "$RC" 127 "exec: a missing program gives the shell's 127"

# Output is streamed: the first line arrives before the command ends.
t0=$(now_ms)
first=$(drv db1 exec -- sh -c 'echo first; sleep 3; echo second' |
	{ IFS= read -r l; printf '%s %s\n' "$l" "$(now_ms)"; cat >/dev/null; })
t_first=$(( ${first#* } - t0 ))
is "${first% *}" first "exec: streamed output, first line"
ok "exec: the first line arrived before the command finished (${t_first} ms)" \
	test "$t_first" -lt 2500
t_all=$(( $(now_ms) - t0 ))
ok "exec: the command itself took its 3 s (${t_all} ms)" test "$t_all" -ge 3000

# stdin: text with odd bytes, and 2 MiB that need several channel windows
printf 'line one\n\tsecond "line" $HOME\n\0binary\377end' >"$FX_DIR/stdin.small"
run_drv db1 exec --stdin "$FX_DIR/stdin.small" -- cat
ok "exec: stdin passed byte for byte" cmp "$FX_DIR/out" "$FX_DIR/stdin.small"
head -c $((2 * 1024 * 1024)) /dev/urandom >"$FX_DIR/stdin.big"
run_drv db1 exec --stdin "$FX_DIR/stdin.big" -- sha256sum
is "${OUT%% *}" "$(sha256sum <"$FX_DIR/stdin.big" | cut -d' ' -f1)" \
	"exec: 2 MiB of stdin arrive intact"
run_drv db1 exec --stdin "$FX_DIR/stdin.big" -- cat
ok "exec: 2 MiB through stdin and back on stdout" cmp -s "$FX_DIR/out" "$FX_DIR/stdin.big"
run_drv db1 exec --stdin "$FX_DIR/stdin.big" -- true
is "$RC" 0 "exec: a command that reads no stdin still ends"
run_drv db1 exec -- sh -c 'cat; echo "[eof]"'
is "$OUT" "[eof]" "exec: without --stdin the command sees an empty stdin"

# environment
envval=$'a b\'c"d $HOME `x` ;|*\\ é'
run_drv db1 exec --env "PGR_T1=$envval" --env PGR_T2=two -- \
	sh -c 'printf "%s|%s" "$PGR_T1" "$PGR_T2"'
is "$OUT" "$envval|two" "exec: environment entries passed intact"

# time-out: exit 124 quickly, and the remote command is gone
rm -f "$FILES/timeout.pid"
t0=$(now_ms)
run_drv db1 exec --timeout 1000 -- sh -c "echo \$\$ >$FILES/timeout.pid; exec sleep 30"
elapsed=$(( $(now_ms) - t0 ))
is "$RC" 124 "exec: a time-out exits 124"
like "$ERR" 'did not finish within 1000 ms' "exec: the time-out is reported"
ok "exec: the time-out took about 1 s (${elapsed} ms)" test "$elapsed" -lt 4000
rpid=$(cat "$FILES/timeout.pid" 2>/dev/null)
ok "exec: the remote command had started (pid ${rpid:-none})" test -n "$rpid"
gone() { [ -n "$1" ] && ! fx_alive "$1"; }
ok "exec: the remote command was killed after the time-out" _fx_poll 10 gone "$rpid"

# hostile arguments arrive byte for byte, and nothing in them is executed
hostile=$'it\'s "double" \'single\'  two  spaces\nnew line\ttab $(touch '"$FILES"$'/pwned1) `touch '"$FILES"$'/pwned2` ; touch '"$FILES"$'/pwned3 | cat * ? [a] ~ \\ \\\\ \\\' $HOME ${PATH} !! é ü 日本 € & > '"$FILES"$'/pwned4 <'
# each alone too, balanced, so that a missing quote would run it
args=("$hostile" "-n" "--" "" "-e" "*" "'" '"' '\' $'\n' "a=b" "-leading dash"
	"\$(touch $FILES/pwned5)" "\`touch $FILES/pwned6\`" "; touch $FILES/pwned7"
	"| touch $FILES/pwned8" "&& touch $FILES/pwned9")
run_drv db1 exec -- printf '<%s>\n' "${args[@]}"
printf '<%s>\n' "${args[@]}" >"$FX_DIR/expected"
is "$RC" 0 "hostile: printf ran"
ok "hostile: every argument arrived byte for byte" cmp "$FX_DIR/out" "$FX_DIR/expected"
[ "$RC" = 0 ] && ! cmp -s "$FX_DIR/out" "$FX_DIR/expected" &&
	diag "$(diff "$FX_DIR/expected" "$FX_DIR/out" | head -20)"
ok "hostile: nothing in the arguments was executed" \
	test -z "$(ls "$FILES" | grep pwned)"
run_drv db1 exec -- "-leading"
is "$RC" 127 "hostile: a leading dash is a program name, not an option of the shell"
is "$(drv local quote "$hostile" | head -c 1)" "'" "quote: hostile text comes out single-quoted"

# ---------------------------------------------------------------------------
# files

# read
printf 'héllo\0world\nlast line without newline' >"$FILES/r.bin"
chown "$FX_USER:" "$FILES/r.bin"
run_drv db1 read "$FILES/r.bin"
is "$RC" 0 "read: exit 0"
ok "read: content byte for byte (NUL and UTF-8 included)" cmp "$FX_DIR/out" "$FILES/r.bin"
: >"$FILES/empty"
run_drv db1 read "$FILES/empty"
is "$RC:$(wc -c <"$FX_DIR/out")" "0:0" "read: an empty file"
run_drv db1 read "$FILES/missing"
is "$RC" 255 "read: a missing file is an error"
like "$ERR" "\"$FILES/missing\" on .*$ADDR" "read: the error names the file in quotes and the host"

# stat
chmod 0640 "$FILES/r.bin"
run_drv db1 stat "$FILES/r.bin"
is "$OUT" "exists=1 type=reg mode=0640 uid=$UID_USER gid=$GID_USER size=$(stat -c %s "$FILES/r.bin")" \
	"stat: a regular file"
run_drv db1 stat "$FILES"
like "$OUT" '^exists=1 type=dir mode=0755 ' "stat: a directory"
ln -sfn r.bin "$FILES/link"
run_drv db1 stat "$FILES/link"
like "$OUT" '^exists=1 type=link ' "stat: a symbolic link is not followed"
run_drv db1 stat "$FILES/missing"
is "$RC:${OUT%% *}" "0:exists=0" "stat: a missing file exists=0 and exit 0"
run_drv db1 stat "$FILES/missing/deeper"
is "$RC:${OUT%% *}" "0:exists=0" "stat: under a missing directory too"

# atomic write keeps an existing file's owner and mode
printf 'old content\n' >"$FILES/conf"
chown "$FX_USER:" "$FILES/conf"
chmod 0640 "$FILES/conf"
ino_before=$(stat -c %i "$FILES/conf")
printf 'new content\nwith two lines\n' >"$FX_DIR/new"
run_drv db1 write "$FILES/conf" --mode 0600 <"$FX_DIR/new"
is "$RC" 0 "write: exit 0"
ok "write: the new content is there" cmp "$FILES/conf" "$FX_DIR/new"
is "$(stat -c '%a %U %G' "$FILES/conf")" "640 $FX_USER $(id -gn "$FX_USER")" \
	"write: the existing file keeps mode 0640 and its owner (opts ignored)"
isnt "$(stat -c %i "$FILES/conf")" "$ino_before" "write: the file was replaced (rename), not rewritten in place"
is "$(ls -A "$FILES" | grep -c pgreplica)" 0 "write: no temporary file left behind"
# a secret over that 0640 file: 0600 (set before the first byte), owner kept
run_drv db1 write "$FILES/conf" --secret <"$FX_DIR/new"
is "$RC:$(stat -c '%a %U' "$FILES/conf")" "0:600 $FX_USER" "write --secret: the old 0640 file is replaced by a 0600 one, owner kept"
# a symbolic link: written where it leads, the link kept
ln -s conf "$FILES/conf.link"
printf 'through the link\n' >"$FX_DIR/new2"
run_drv db1 write "$FILES/conf.link" <"$FX_DIR/new2"
is "$RC" 0 "write through a symbolic link: exit 0" || diag "$ERR"
ok "write through a symbolic link: the link is still a link" test -L "$FILES/conf.link"
ok "write through a symbolic link: the target has the new text" cmp "$FILES/conf" "$FX_DIR/new2"

# a new file gets the requested mode, or 0600
run_drv db1 write "$FILES/new640" --mode 0640 <"$FX_DIR/new"
is "$RC:$(stat -c '%a %U' "$FILES/new640" 2>/dev/null)" "0:640 $FX_USER" "write: a new file gets --mode 0640"
run_drv db1 write "$FILES/new600" <"$FX_DIR/new"
is "$RC:$(stat -c '%a' "$FILES/new600" 2>/dev/null)" "0:600" "write: a new file defaults to 0600"
run_drv db1 write "$FILES/empty-new" </dev/null
is "$RC:$(stat -c '%s' "$FILES/empty-new" 2>/dev/null)" "0:0" "write: an empty file"
head -c 300000 /dev/urandom >"$FX_DIR/big"
run_drv db1 write "$FILES/big" --mode 0644 <"$FX_DIR/big"
ok "write: 300 kB written intact" cmp "$FILES/big" "$FX_DIR/big"
run_drv db1 write "$FILES/own" --owner "$FX_USER" --group "$(id -gn "$FX_USER")" <"$FX_DIR/new"
is "$RC:$(stat -c '%U:%G' "$FILES/own" 2>/dev/null)" "0:$FX_USER:$(id -gn "$FX_USER")" \
	"write: --owner/--group resolved on the host (the login's own)"
run_drv db1 write "$FILES/own2" --owner no_such_user_pgr <"$FX_DIR/new"
is "$RC" 255 "write: an unknown owner is an error"
like "$ERR" 'unknown user "no_such_user_pgr"' "write: the unknown owner is named"
ok "write: nothing created for an unknown owner" test ! -e "$FILES/own2"

# a directory the login cannot write: error, the old file untouched
mkdir -p "$FX_DIR/db1/locked" && printf 'keep\n' >"$FX_DIR/db1/locked/f" &&
	chmod 0644 "$FX_DIR/db1/locked/f" && chmod 0755 "$FX_DIR/db1/locked"
run_drv db1 write "$FX_DIR/db1/locked/f" <"$FX_DIR/new"
is "$RC" 255 "write: a read-only directory is an error"
like "$ERR" "\"$FX_DIR/db1/locked\" on .*$ADDR.*: Permission denied" \
	"write: the error names the place, the host and the reason"
is "$(cat "$FX_DIR/db1/locked/f")" keep "write: the old file is untouched after a failure"
run_drv db1 write "$FILES" <"$FX_DIR/new"
is "$RC" 255 "write: refuses to replace a directory"

# backup (generic code over this transport)
run_drv db1 backup "$FILES/conf"
is "$RC" 0 "backup: exit 0"
ok "backup: the copy has the same content" cmp "$OUT" "$FILES/conf"

# ---------------------------------------------------------------------------
# connection failures

# nothing listening: refused at once
closed_port=1
run_drv --connect-timeout 3 "$FX_USER@$ADDR:$closed_port" exec -- true
is "$RC" 255 "unreachable: a closed port exits 255"
like "$ERR" "could not connect to .*$ADDR:$closed_port" "unreachable: clear message naming host and port"

# a server that accepts TCP but never speaks (sshd stopped): the time-out
sshd_pid=$(cat "$FX_DIR/db1/ssh/sshd.pid")
kill -STOP "$sshd_pid"
t0=$(now_ms)
run_drv --connect-timeout 2 db1 exec -- true
elapsed=$(( $(now_ms) - t0 ))
kill -CONT "$sshd_pid"
is "$RC" 255 "silent server: exits 255"
like "$ERR" "could not connect to" "silent server: clear message"
ok "silent server: gave up within the connect time-out (${elapsed} ms)" \
	test "$elapsed" -ge 1500 -a "$elapsed" -lt 5000

if fx_netns_ok; then
	# an address on the test bridge where no host answers
	ghost=${FX_SUBNET%.0/24}.250
	t0=$(now_ms)
	run_drv --connect-timeout 2 "$FX_USER@$ghost" exec -- true
	elapsed=$(( $(now_ms) - t0 ))
	is "$RC" 255 "no such host: exits 255"
	like "$ERR" "could not connect to .*$ghost" "no such host: clear message"
	ok "no such host: within the connect time-out (${elapsed} ms)" test "$elapsed" -lt 5000
else
	skip 3 "no network namespaces: no unused address to try"
fi

run_drv "bad@[::1" exec -- true
is "$RC" 255 "a malformed target exits 255"
like "$ERR" 'invalid SSH target' "a malformed target is named as such"

# ---------------------------------------------------------------------------
# authentication

ssh-keygen -q -t ed25519 -N '' -f "$FX_DIR/wrong_key" || bail_out "ssh-keygen failed"
sed "s|IdentityFile .*|IdentityFile $FX_DIR/wrong_key|" "$FX_SSH_CONFIG" >"$FX_DIR/wrong_config"
run_drv_cfg() { RC=0; env -u SSH_AUTH_SOCK "$DRIVER" --ssh-config "$@" >"$FX_DIR/out" 2>"$FX_DIR/err" || RC=$?; OUT=$(tr -d '\0' <"$FX_DIR/out"); ERR=$(tr -d '\0' <"$FX_DIR/err"); }
run_drv_cfg "$FX_DIR/wrong_config" db1 exec -- touch "$FILES/ran-wrongkey"
is "$RC" 255 "wrong key: refused (exit 255)"
like "$ERR" "authentication to .*$ADDR.* failed" "wrong key: an authentication error"
like "$ERR" "HINT:" "wrong key: with a hint"
ok "wrong key: the command did not run" test ! -e "$FILES/ran-wrongkey"

# targets written out instead of a Host alias; the target's port wins over
# the configuration's
cat >"$FX_DIR/any_config" <<EOF
Host portone
  HostName $ADDR
  Port 1
Host *
  IdentityFile $FX_SSH_KEY
  UserKnownHostsFile $FX_KNOWN_HOSTS
  GlobalKnownHostsFile /dev/null
EOF
run_drv_cfg "$FX_DIR/any_config" "$FX_USER@$ADDR:$PORT" exec -- echo plain
is "$RC:$OUT" "0:plain" "target user@host:port"
run_drv_cfg "$FX_DIR/any_config" "$FX_USER@[$ADDR]:$PORT" exec -- echo brackets
is "$RC:$OUT" "0:brackets" "target user@[address]:port"
run_drv_cfg "$FX_DIR/any_config" "$FX_USER@portone:$PORT" exec -- echo override
is "$RC:$OUT" "0:override" "the target's port wins over the configuration's Port"
run_drv_cfg "$FX_DIR/any_config" "$FX_USER@portone" exec -- true
like "$RC $ERR" "^255 .*could not connect to .*:1([^0-9]|$)" "without a port in the target, the configuration's Port is used"

# an encrypted key: the passphrase is asked through the callback
ssh-keygen -q -t ed25519 -N 'pass phrase 42' -f "$FX_DIR/enc_key" || bail_out "ssh-keygen failed"
cat "$FX_DIR/enc_key.pub" >>"$FX_DIR/authorized_keys"
sed "s|IdentityFile .*|IdentityFile $FX_DIR/enc_key|" "$FX_SSH_CONFIG" >"$FX_DIR/enc_config"
printf 'pass phrase 42\n' >"$FX_DIR/passphrase"
run_drv_cfg "$FX_DIR/enc_config" --password-file "$FX_DIR/passphrase" db1 exec -- echo encrypted
is "$RC:$OUT" "0:encrypted" "encrypted key: unlocked with the passphrase from the callback"
run_drv_cfg "$FX_DIR/enc_config" db1 exec -- true
is "$RC" 255 "encrypted key: without a passphrase, authentication fails"
like "$ERR" "authentication to .* failed" "encrypted key: reported as an authentication error"

if [ "$(id -u)" = 0 ]; then
	fx_sshd_password db1 on || bail_out "cannot enable passwords"
	printf '%s\n' "$FX_SSH_PASSWORD" >"$FX_DIR/password"
	printf 'not the password\n' >"$FX_DIR/badpassword"
	run_drv_cfg "$FX_DIR/wrong_config" --password-file "$FX_DIR/password" db1 exec -- echo by-password
	is "$RC:$OUT" "0:by-password" "password: logged in with the password after the key was refused"
	run_drv_cfg "$FX_DIR/wrong_config" --password-file "$FX_DIR/badpassword" db1 exec -- true
	is "$RC" 255 "password: a wrong password is refused"
	like "$ERR" "authentication to .* failed" "password: an authentication error"
	fx_sshd_password db1 off
	fx_sshd db1 || bail_out "cannot restart sshd on db1"
else
	skip 3 "password log-in needs root (chpasswd)"
fi

# ---------------------------------------------------------------------------
# a connection that dies under a running command: an error, not a hang

descendants() { local c; for c in $(pgrep -P "$1"); do echo "$c"; descendants "$c"; done; }

# dead_under_exec FAULT-CMD UNDO-CMD WHAT: run a long command with a 1 s
# keep-alive, break the connection, expect exit 255 within seconds.
dead_under_exec()
{
	local fault=$1 undo=$2 what=$3 pid rc=0 t0 elapsed
	rm -f "$FX_DIR/ka.out" "$FX_DIR/ka.err"
	env -u SSH_AUTH_SOCK TRANSPORT_DRIVER_KEEPALIVE=1 "$DRIVER" --ssh-config "$FX_SSH_CONFIG" \
		db1 exec -- sh -c 'echo started; exec sleep 60' >"$FX_DIR/ka.out" 2>"$FX_DIR/ka.err" &
	pid=$!
	ok "$what: the command started" _fx_poll 10 grep -q started "$FX_DIR/ka.out"
	eval "$fault"
	t0=$(now_ms)
	_fx_poll 30 gone "$pid"
	elapsed=$(( $(now_ms) - t0 ))
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" || rc=$?
	eval "$undo"
	is "$rc" 255 "$what: the driver gave up with exit 255"
	like "$(cat "$FX_DIR/ka.err")" "connection to .*$ADDR.* was lost" "$what: the lost connection is reported"
	ok "$what: noticed within seconds (${elapsed} ms), not after the command's 60 s" \
		test "$elapsed" -lt 15000
}

listener=$(cat "$FX_DIR/db1/ssh/sshd.pid")
dead_under_exec 'frozen=$(descendants "$listener"); kill -STOP $frozen' \
	'kill -CONT $frozen' "frozen server"
if fx_netns_ok; then
	dead_under_exec 'fx_partition db1' 'fx_heal db1' "partitioned host"
else
	skip 4 "no network namespaces: no partition"
fi
# (the healed link may need a moment: neighbour entries are re-learnt)
reconnects() { run_drv --connect-timeout 3 db1 exec -- echo back; [ "$RC:$OUT" = "0:back" ]; }
ok "after the faults, new connections work" _fx_poll 20 reconnects ||
	diag "last attempt: $RC $ERR"

# ---------------------------------------------------------------------------
# host keys: changed

fx_sshd_rekey db1 || bail_out "cannot rekey sshd on db1"
FP2=$(fingerprint "$HOSTKEY_PUB")
isnt "$FP2" "$FP1" "rekey: the server has a new host key"
run_drv db1 exec -- touch "$FILES/ran-changed"
is "$RC" 255 "changed key: refused (exit 255)"
like "$ERR" "host key of .*$ADDR.* has changed" "changed key: the message names the host"
like "$ERR" "${FP2//+/\\+}" "changed key: the new fingerprint is shown"
like "$ERR" "${FP1//+/\\+}" "changed key: the recorded fingerprint is shown"
like "$ERR" "ssh-keygen .*-R" "changed key: the hint says how to remove the old key"
ok "changed key: the command did not run" test ! -e "$FILES/ran-changed"
run_drv --accept-new-host db1 exec -- touch "$FILES/ran-changed"
is "$RC" 255 "changed key: --accept-new-host does not accept a changed key"
ok "changed key: still nothing ran" test ! -e "$FILES/ran-changed"
unlike "$ERR" "^unknown host" "changed key: the unknown-host callback was not asked"
ok "changed key: known_hosts still holds the old key only" \
	test "$(ssh-keygen -F "$KH_NAME" -f "$FX_KNOWN_HOSTS" | grep -vc '^#')" = 1

done_testing
