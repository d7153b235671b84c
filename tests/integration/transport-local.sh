#!/bin/bash
# transport-local.sh - the local transport (src/host/transport_local.c) through
# tests/tools/transport-driver.
#
# Commands: streamed output, exit statuses (0, 3, signals), stdin, environment,
# time-out killing the command and its children, hostile arguments; files:
# read, stat, atomic write keeping owner and mode, a write on a full file
# system, backup; --become.
#
# Run by hand: top_srcdir=/work/main top_builddir=BUILD bash tests/integration/transport-local.sh

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
set -u

DRIVER=${TRANSPORT_DRIVER:-$top_builddir/tests/tools/transport-driver}
[ -x "$DRIVER" ] || bail_out "no transport-driver at $DRIVER: build it first (make check builds it)"

fx_setup
root=0
[ "$(id -u)" = 0 ] && root=1
F=$FX_DIR/files
mkdir -p -m 0755 "$F"
[ $root = 1 ] && chown "$FX_USER:" "$F"
UID_USER=$(id -u "$FX_USER")
GID_USER=$(id -g "$FX_USER")

now_ms() { local t=${EPOCHREALTIME/./}; printf '%s\n' $((t / 1000)); }

# run ARGS...: the driver on "local"; stdout in $OUT (file $FX_DIR/out),
# stderr in $ERR, exit status in $RC.
run()
{
	RC=0
	"$DRIVER" local "$@" >"$FX_DIR/out" 2>"$FX_DIR/err" || RC=$?
	OUT=$(tr -d '\0' <"$FX_DIR/out")
	ERR=$(tr -d '\0' <"$FX_DIR/err")
}

# run_as USER ARGS...: the same with --become USER.
run_as()
{
	local user=$1
	shift
	RC=0
	"$DRIVER" --become "$user" local "$@" >"$FX_DIR/out" 2>"$FX_DIR/err" || RC=$?
	OUT=$(tr -d '\0' <"$FX_DIR/out")
	ERR=$(tr -d '\0' <"$FX_DIR/err")
}

# ---------------------------------------------------------------------------
# exec: output, exit status

run exec -- sh -c 'echo out1; echo err1 >&2; echo out2'
is "$RC" 0 "exec: exit status 0"
is "$OUT" $'out1\nout2' "exec: standard output"
is "$ERR" err1 "exec: standard error kept apart"

run exec -- sh -c 'echo before; exit 3'
is "$RC:$OUT" "3:before" "exec: exit status 3 passed through, output kept"
run exec -- sh -c 'kill -TERM $$'
is "$RC" 143 "exec: killed by SIGTERM gives 128+15"
run exec -- sh -c 'kill -KILL $$'
is "$RC" 137 "exec: killed by SIGKILL gives 128+9"
run exec -- /nonexistent/command
isnt "$RC" 0 "exec: a missing program fails"
like "$ERR" "/nonexistent/command" "exec: ... and the error names it"

# exec --checked: transport_run_checked, a non-zero status is an error whose
# detail is the end of the command's stderr (trimmed, at most 2000 bytes)
run exec --checked -- sh -c 'echo out1; printf "  \\n  why it failed  \\n\\n" >&2; exit 3'
is "$RC:$OUT" "3:out1" "run_checked: the status and stdout kept"
like "$ERR" 'error: the command "sh" failed on local with exit status 3' "run_checked: the error names the command, host and status"
like "$ERR" $'DETAIL:  why it failed$' "run_checked: stderr trimmed into the detail" || diag "$ERR"
run exec --checked -- sh -c 'echo fine; echo chatter >&2'
is "$RC:$OUT" "0:fine" "run_checked: status 0 is success, stdout captured"
is "$ERR" "" "run_checked: no error on success"
run exec --checked -- sh -c 'head -c 300000 /dev/zero | tr "\\0" x >&2; echo; echo the-reason >&2; exit 5'
is "$RC" 5 "run_checked: status 5 from a chatty command"
like "$ERR" "the-reason" "run_checked: the end of a long stderr is kept"
ok "run_checked: the detail is bounded (stderr $(printf %s "$ERR" | wc -c) bytes shown)" \
	test "$(printf %s "$ERR" | wc -c)" -lt 2300
run exec --checked -- /nonexistent/command
is "$RC" 255 "run_checked: a program that cannot run is a transport error"
like "$ERR" "/nonexistent/command" "run_checked: ... naming it"

# output is streamed while the command runs, not collected at its end
rm -f "$FX_DIR/go"
"$DRIVER" local exec --timeout 20000 -- sh -c \
	'echo started; i=0; while [ ! -e "$1" ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i+1)); done; echo finished' \
	sh "$FX_DIR/go" >"$FX_DIR/stream.out" 2>&1 &
pid=$!
ok "exec: output arrives while the command still runs" \
	fx_poll 10 grep -q started "$FX_DIR/stream.out"
unlike "$(cat "$FX_DIR/stream.out")" finished "exec: ... before it finished"
touch "$FX_DIR/go"
wait "$pid"
is "$?:$(cat "$FX_DIR/stream.out")" $'0:started\nfinished' "exec: then the rest, exit status 0"

# ---------------------------------------------------------------------------
# exec: stdin and environment

printf 'line one\n\tsecond "line" $HOME\n\0binary\377end' >"$FX_DIR/stdin.data"
run exec --stdin "$FX_DIR/stdin.data" -- cat
ok "exec: stdin passed byte for byte (NUL and 8-bit included)" cmp "$FX_DIR/out" "$FX_DIR/stdin.data"
"$DRIVER" local exec -- wc -c <"$FX_DIR/stdin.data" >"$FX_DIR/out" 2>&1
is "$(tr -d ' ' <"$FX_DIR/out")" 0 "exec: without --stdin the command reads nothing (not the caller's stdin)"
head -c 3000000 /dev/urandom >"$FX_DIR/stdin.big"
run exec --stdin "$FX_DIR/stdin.big" -- cat
ok "exec: 3 MB through stdin and back on stdout" cmp -s "$FX_DIR/out" "$FX_DIR/stdin.big"
# a command that exits without reading its input: the write gets EPIPE
# (more than a pipe holds), which is no reason for SIGPIPE to kill the caller
run exec --stdin "$FX_DIR/stdin.big" -- sh -c 'exit 5'
is "$RC" 5 "exec: a command that reads none of its 3 MB input: its own exit status, the caller not killed by SIGPIPE"

run exec --env 'PGR_A=a b $c `d` '"'e'" --env PGR_B= -- sh -c 'printf "<%s><%s><%s>" "$PGR_A" "${PGR_B-unset}" "${PGR_C-unset}"'
is "$OUT" "<a b \$c \`d\` 'e'><><unset>" "exec: --env values arrive verbatim"

# ---------------------------------------------------------------------------
# exec: time-out kills the command and its children

rm -f "$FX_DIR/pid.parent" "$FX_DIR/pid.child"
t0=$(now_ms)
run exec --timeout 500 -- sh -c \
	'echo $$ >"$1.parent"; sleep 30 & echo $! >"$1.child"; wait' sh "$FX_DIR/pid"
elapsed=$(($(now_ms) - t0))
is "$RC" 124 "exec: a time-out gives 124"
ok "exec: ... within the limit (took ${elapsed} ms for 500)" test "$elapsed" -lt 2000
like "$ERR" "500 ms" "exec: ... and says so"
parent=$(cat "$FX_DIR/pid.parent" 2>/dev/null)
child=$(cat "$FX_DIR/pid.child" 2>/dev/null)
dead() { [ -n "$1" ] && ! fx_alive "$1"; }
ok "exec: the command was killed" fx_poll 5 dead "$parent"
ok "exec: its child was killed too" fx_poll 5 dead "$child"

rm -f "$FX_DIR/pid.parent"
t0=$(now_ms)
run exec --timeout 300 -- sh -c 'trap "" TERM HUP INT; echo $$ >"$1"; while :; do sleep 1; done' sh "$FX_DIR/pid.parent"
elapsed=$(($(now_ms) - t0))
is "$RC" 124 "exec: a command ignoring SIGTERM still times out"
ok "exec: ... within a few seconds (took ${elapsed} ms for 300)" test "$elapsed" -lt 5000
ok "exec: ... and is killed" fx_poll 5 dead "$(cat "$FX_DIR/pid.parent" 2>/dev/null)"

# ---------------------------------------------------------------------------
# exec: hostile arguments arrive intact and nothing is executed

args=("it's" 'two words' 'a"b' $'new\nline' "\$(touch $F/pwned1)" "\`touch $F/pwned2\`"
	"; touch $F/pwned3" "| touch $F/pwned4" "&& touch $F/pwned5" '$HOME' '*' '' '\' '\\n'
	"> $F/pwned6" $'tab\there' '-n' '--' "'" '"' '#comment' '~' $'\xc3\xa9t\xc3\xa9')
run exec -- printf '<%s>\n' "${args[@]}"
printf '<%s>\n' "${args[@]}" >"$FX_DIR/expected"
ok "hostile arguments: every one arrived byte for byte" cmp "$FX_DIR/out" "$FX_DIR/expected"
[ "$RC" = 0 ] || diag "$ERR"
cmp -s "$FX_DIR/out" "$FX_DIR/expected" || diag "$(diff "$FX_DIR/expected" "$FX_DIR/out" | head -20)"
quoted=$("$DRIVER" local quote "${args[@]}")
sh -c "printf '<%s>\n' $quoted" >"$FX_DIR/out" 2>&1
ok "quote: sh reads the quoted words back intact" cmp "$FX_DIR/out" "$FX_DIR/expected"
is "$(ls "$F" | grep -c pwned)" 0 "hostile arguments: nothing was executed"

# ---------------------------------------------------------------------------
# read, stat

printf 'a\0b\nc\377' >"$F/r.bin"
run read "$F/r.bin"
is "$RC" 0 "read: exit status 0"
ok "read: content byte for byte" cmp "$FX_DIR/out" "$F/r.bin"
run read "$F/missing"
is "$RC" 255 "read: a missing file fails (255)"
like "$ERR" "\"$F/missing\".*No such file or directory" "read: ... and says which file and why"

run stat "$F/missing"
is "$RC:$OUT" "0:exists=0 type=other mode=0000 uid=0 gid=0 size=0" "stat: a missing file says exists=0"
printf '12345' >"$F/s"
chmod 0640 "$F/s"
[ $root = 1 ] && chown "$FX_USER:" "$F/s"
run stat "$F/s"
is "$OUT" "exists=1 type=reg mode=0640 uid=$UID_USER gid=$GID_USER size=5" "stat: a file"
run stat "$F"
like "$OUT" "^exists=1 type=dir mode=0755 uid=$UID_USER " "stat: a directory"
ln -sf s "$F/link"
run stat "$F/link"
like "$OUT" "^exists=1 type=link " "stat: a symbolic link is not followed"

# ---------------------------------------------------------------------------
# write

printf 'old content\n' >"$F/conf"
chmod 0640 "$F/conf"
[ $root = 1 ] && chown "$FX_USER:" "$F/conf"
ino_before=$(stat -c %i "$F/conf")
printf 'new content\nline two\n' >"$FX_DIR/new"
run write "$F/conf" --mode 0600 <"$FX_DIR/new"
is "$RC" 0 "write: an existing file, exit status 0"
ok "write: the new content is there" cmp "$F/conf" "$FX_DIR/new"
is "$(stat -c '%a %u %g' "$F/conf")" "640 $UID_USER $GID_USER" \
	"write: the existing file keeps its owner ($FX_USER) and mode 0640"
isnt "$(stat -c %i "$F/conf")" "$ino_before" "write: the file was replaced (rename), not rewritten in place"

run write "$F/new640" --mode 0640 <"$FX_DIR/new"
is "$RC:$(stat -c %a "$F/new640" 2>/dev/null)" "0:640" "write: a new file gets --mode 0640"
run write "$F/new600" <"$FX_DIR/new"
is "$RC:$(stat -c %a "$F/new600" 2>/dev/null)" "0:600" "write: a new file without --mode is 0600"
if [ $root = 1 ]; then
	run write "$F/owned" --mode 0644 --owner "$FX_USER" --group "$(id -gn "$FX_USER")" <"$FX_DIR/new"
	is "$RC:$(stat -c '%a %U %G' "$F/owned" 2>/dev/null)" "0:644 $FX_USER $(id -gn "$FX_USER")" \
		"write: a new file gets --owner and --group"
	run write "$F/own2" --owner no_such_user_pgr <"$FX_DIR/new"
	is "$RC" 255 "write: an unknown owner fails"
	ok "write: ... and leaves no file" test ! -e "$F/own2"
else
	skip 3 "--owner needs root"
fi
: >"$FX_DIR/empty"
run write "$F/empty" --mode 0644 <"$FX_DIR/empty"
is "$RC:$(stat -c %s "$F/empty" 2>/dev/null)" "0:0" "write: an empty file"
run write "$F/nodir/x" <"$FX_DIR/new"
is "$RC" 255 "write: into a missing directory fails"
is "$(ls -A "$F" | grep -v -x -E 'r.bin|s|link|conf|new640|new600|owned|empty' | tr '\n' ' ')" "" \
	"write: no temporary file left behind"

# a secret replacing a file others could read: 0600 (mode set on the empty
# temporary file, before its first byte), the owner kept
printf 'old\n' >"$F/pass"
chmod 0644 "$F/pass"
[ $root = 1 ] && chown "$FX_USER:" "$F/pass"
run write "$F/pass" --secret <"$FX_DIR/new"
is "$RC:$(stat -c '%a %u' "$F/pass")" "0:600 $(stat -c %u "$F")" "write --secret: an old 0644 file is replaced by a 0600 one, owner kept"
run write "$F/pass2" --secret --mode 0644 <"$FX_DIR/new"
is "$RC:$(stat -c '%a' "$F/pass2")" "0:600" "write --secret: a new secret is 0600 whatever --mode says"

# a file that is a symbolic link (two levels, one relative): written where
# it leads, the links kept
mkdir -p "$F/etc"
printf 'old text\n' >"$F/etc/real.conf"
chmod 0640 "$F/etc/real.conf"
ln -s etc/real.conf "$F/hop.conf"
ln -s "$F/hop.conf" "$F/linked.conf"
run write "$F/linked.conf" <"$FX_DIR/new"
is "$RC" 0 "write through a symbolic link: exit 0" || diag "$ERR"
ok "write through a symbolic link: the link is still a link" test -L "$F/linked.conf"
ok "write through a symbolic link: ... and so is the one it leads to" test -L "$F/hop.conf"
ok "write through a symbolic link: the target has the new text" cmp "$F/etc/real.conf" "$FX_DIR/new"
is "$(stat -c %a "$F/etc/real.conf")" 640 "write through a symbolic link: the target keeps its mode"
is "$(ls -A "$F" "$F/etc" | grep -c pgreplica)" 0 "write through a symbolic link: no temporary file left behind"
# --replace-link (a key linked to a shared file): the link goes, the shared file stays
cp "$F/etc/real.conf" "$FX_DIR/real.before"
run write "$F/linked.conf" --replace-link <"$FX_DIR/stdin.data"
ok "write --replace-link: a regular file replaces the link" sh -c '! test -L "$1" && cmp -s "$1" "$2"' sh "$F/linked.conf" "$FX_DIR/stdin.data"
ok "write --replace-link: the file it led to is untouched" cmp "$F/etc/real.conf" "$FX_DIR/real.before"

# a full file system: the write fails, the old file stays, no temporary file
if [ $root = 1 ]; then
	small=$FX_DIR/small
	fx_tmpfs "$small" 64k
	printf 'keep me\n' >"$small/old"
	chmod 0640 "$small/old"
	dd if=/dev/zero of="$small/fill" bs=4k 2>/dev/null
	head -c 200000 /dev/urandom >"$FX_DIR/big"
	run write "$small/old" <"$FX_DIR/big"
	is "$RC" 255 "write on a full file system: fails (255)"
	like "$ERR" "No space left on device" "write on a full file system: says why"
	is "$(cat "$small/old")" "keep me" "write on a full file system: the old file is intact"
	is "$(stat -c %a "$small/old")" 640 "write on a full file system: ... with its mode"
	is "$(ls -A "$small" | tr '\n' ' ')" "fill old " \
		"write on a full file system: no temporary file left behind"
else
	skip 5 "a small tmpfs needs root"
fi

# ---------------------------------------------------------------------------
# backup

printf 'precious\n' >"$F/b.conf"
chmod 0640 "$F/b.conf"
[ $root = 1 ] && chown "$FX_USER:" "$F/b.conf"
run backup "$F/b.conf"
is "$RC" 0 "backup: exit status 0"
bk=$OUT
like "$bk" "^$F/b\\.conf." "backup: the copy is next to the file ($bk)"
ok "backup: same content" cmp "$bk" "$F/b.conf"
is "$(stat -c %a "$bk" 2>/dev/null)" 640 "backup: same mode"
is "$(stat -c %U:%G "$bk" 2>/dev/null)" "$(stat -c %U:%G "$F/b.conf")" "backup: same owner and group"
run backup "$F/b.conf"
isnt "$OUT" "$bk" "backup: a second backup does not overwrite the first"
run backup "$F/missing"
is "$RC" 255 "backup: of a missing file fails"

# ---------------------------------------------------------------------------
# --become

if [ $root = 1 ] && command -v sudo >/dev/null; then
	run_as "$FX_USER" exec -- id -un
	is "$RC:$OUT" "0:$FX_USER" "become: the command runs as $FX_USER"
	run_as "$FX_USER" exec -- printf '<%s>\n' "${args[@]}"
	ok "become: hostile arguments arrive intact through sudo" cmp "$FX_DIR/out" "$FX_DIR/expected"
	run_as "$FX_USER" write "$F/by-user" --mode 0640 <"$FX_DIR/new"
	is "$RC:$(stat -c '%a %U' "$F/by-user" 2>/dev/null)" "0:640 $FX_USER" "become: a new file belongs to $FX_USER"
	run_as "$FX_USER" write "$F/by-user" --secret <"$FX_DIR/new"
	is "$RC:$(stat -c '%a %U' "$F/by-user" 2>/dev/null)" "0:600 $FX_USER" "become: a secret over the 0640 file is 0600"
	ln -s by-user "$F/by-user.link"
	printf 'through the link\n' >"$FX_DIR/new2"
	run_as "$FX_USER" write "$F/by-user.link" <"$FX_DIR/new2"
	ok "become: a write through a symbolic link keeps the link and changes its target" \
		sh -c 'test -L "$1" && cmp -s "$2" "$3"' sh "$F/by-user.link" "$F/by-user" "$FX_DIR/new2"
	printf 'secret\n' >"$FX_DIR/rootonly"
	chmod 0600 "$FX_DIR/rootonly"
	run_as "$FX_USER" read "$FX_DIR/rootonly"
	is "$RC" 255 "become: reading root's 0600 file is refused"
	is "$(ls "$F" | grep -c pwned)" 0 "become: nothing was executed"
	# sudo resets the environment: the command's variables must still arrive
	run_as "$FX_USER" exec --env 'PGR_X=a b;$(touch pwned)' -- sh -c 'printf "%s\n" "$PGR_X"'
	is "$RC:$OUT" "0:a b;\$(touch pwned)" "become: the command's environment survives sudo"
	# becoming oneself needs no sudo: root stays root
	run_as root exec -- id -un
	is "$RC:$OUT" "0:root" "become: one's own account runs the command directly"
else
	skip 9 "--become needs root and sudo"
fi

done_testing
