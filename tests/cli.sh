#!/usr/bin/env bash
# The command line's contract: help, version, every command recognised,
# clear errors with exit status 2, write errors caught, French messages.
set -u
. "$top_srcdir/tests/lib/tap.sh"
P=${PGREPLICA:?PGREPLICA not set}
export PGREPLICA_LOCALEDIR=${PGR_LOCALEDIR:-}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 99

out=$("$P" --help 2>&1); rc=$?
is "$rc" 0 "--help exits 0"
for c in setup dashboard demo plan apply status check promote resync follow; do
  ok "--help lists the command $c" grep -qE "^  $c( |\$)" <<<"$out"
done
like "$out" "--replication-password-file" "--help lists --replication-password-file"

out=$("$P" --version); rc=$?
is "$rc" 0 "--version exits 0"
like "$out" "^pgreplica [0-9]+\.[0-9]+\.[0-9]+" "--version names the program and its version"

out=$("$P" frobnicate 2>&1); rc=$?
is "$rc" 2 "an unknown command exits 2"
like "$out" 'unknown command "frobnicate"' "an unknown command is named"
like "$out" 'HINT:  Try "pgreplica --help"' "an unknown command gets a hint"

out=$("$P" --frobnicate 2>&1); rc=$?
is "$rc" 2 "an unknown option exits 2"
like "$out" 'error: unknown option "--frobnicate"' "an unknown option is named, as the commands name theirs"
like "$out" 'HINT:  Try "pgreplica --help" for more information.' "... with the hint to --help"
out=$("$P" -d 2>&1); rc=$?
is "$rc" 2 "a global option without its value exits 2"
like "$out" 'error: option "-d" needs a value' "... naming it"

# demo: its options; the console needs a terminal (the sandbox itself is
# tested in tests/integration/demo.sh)
out=$("$P" demo --help); rc=$?
is "$rc" 0 "demo --help exits 0"
like "$out" "--reset" "demo --help lists --reset"
like "$out" "--no-console" "demo --help lists --no-console"
out=$("$P" demo </dev/null 2>&1); rc=$?
is "$rc" 2 "demo without a terminal exits 2"
like "$out" "needs a terminal" "demo without a terminal says why"
out=$("$P" demo --reset --no-console 2>&1); rc=$?
is "$rc" 2 "demo --reset --no-console exits 2"

# check: its options
out=$("$P" check --help); rc=$?
is "$rc" 0 "check --help exits 0"
like "$out" "Nothing is changed" "check --help says it changes nothing"
out=$("$P" check --json 2>&1); rc=$?
is "$rc" 2 "check --json (a plan option) exits 2"
printf '[node "a"]\nrole = primary\nhost = 127.0.0.1\n' >"$tmp/one.conf"
out=$("$P" -c "$tmp/one.conf" check pg9 2>&1); rc=$?
is "$rc" 2 "check NODE of a node not in the cluster file exits 2"
like "$out" 'the cluster file has no node "pg9"' "... naming it"
like "$out" 'HINT:  Name one of the nodes of ".*one.conf"' "... with a hint"
out=$("$P" -c "$tmp/one.conf" check a b 2>&1); rc=$?
is "$rc" 2 "check takes one node"
like "$out" 'unexpected argument "b"' "... the second is an extra argument"
out=$("$P" -c "$tmp/none.conf" check 2>&1); rc=$?
is "$rc" 2 "check with a missing cluster file exits 2"
like "$out" "none.conf" "naming the file"

# the wizard and the console need a terminal
for c in setup ""; do
  out=$("$P" -c "$tmp/none.conf" $c </dev/null 2>&1); rc=$?
  is "$rc" 2 "${c:-the console} without a terminal exits 2"
  like "$out" "needs a terminal" "${c:-the console} without a terminal says why"
done
# dashboard: a terminal is needed
out=$("$P" -c "$tmp/none.conf" dashboard </dev/null 2>&1); rc=$?
is "$rc" 2 "dashboard without a terminal exits 2"
like "$out" "the dashboard needs a terminal" "dashboard without a terminal says why"
# promote, follow, resync: what is checked before any server is asked
for c in promote follow resync; do
  out=$("$P" "$c" 2>&1); rc=$?
  is "$rc" 2 "$c without a node exits 2"
  like "$out" "no node named" "$c without a node says so"
  out=$("$P" -c "$tmp/none.conf" "$c" pg2 </dev/null 2>&1); rc=$?
  is "$rc" 2 "$c without a terminal and without --yes exits 2"
  like "$out" "no terminal to confirm on" "$c without a terminal says why it refuses"
  like "$out" "HINT:  Run \"pgreplica $c pg2 --yes\"" "$c without a terminal says what to do"
  out=$("$P" "$c" --help); rc=$?
  is "$rc" 0 "$c --help exits 0"
done
out=$("$P" resync pg2 --method=frob 2>&1); rc=$?
is "$rc" 2 "resync with an unknown method exits 2"
like "$out" 'unknown method "frob"' "naming it"
out=$("$P" follow pg2 --fence 2>&1); rc=$?
is "$rc" 2 "follow --fence (a promote option) exits 2"
out=$("$P" -c "$tmp/none.conf" promote pg2 --yes 2>&1); rc=$?
is "$rc" 2 "promote --yes with a missing cluster file exits 2"
like "$out" "none.conf" "naming the file"

# plan and apply: what is checked before any server is asked
out=$("$P" -c "$tmp/none.conf" apply </dev/null 2>&1); rc=$?
is "$rc" 2 "apply without a terminal and without --yes exits 2"
like "$out" "no terminal to confirm on" "apply without a terminal says why it refuses"
like "$out" 'HINT:  Review the changes with "pgreplica plan", then run "pgreplica apply --yes"' \
  "apply without a terminal says what to do"
out=$("$P" -c "$tmp/none.conf" plan 2>&1); rc=$?
is "$rc" 2 "plan with a missing cluster file exits 2"
like "$out" "none.conf" "plan names the missing cluster file"
out=$("$P" plan --method=sideways 2>&1); rc=$?
is "$rc" 2 "plan with an unknown method exits 2"
like "$out" 'unknown method "sideways"' "an unknown method is named"
out=$("$P" plan --yes 2>&1); rc=$?
is "$rc" 2 "plan takes no --yes (it changes nothing)"
out=$("$P" apply --help 2>&1); rc=$?
is "$rc" 0 "apply --help exits 0"
like "$out" "--yes" "apply --help lists --yes"

# global options after the command mean the same as before it (cli.c)
for args in "status -c $tmp/none.conf" "status --cluster=$tmp/none.conf" \
            "status --cluster $tmp/none.conf" "plan -c $tmp/none.conf"; do
  out=$("$P" $args 2>&1); rc=$?
  is "$rc" 2 "pgreplica $args: exit 2 (the missing file)"
  like "$out" "none.conf" "pgreplica $args: the file after the command is the one read"
done
out=$("$P" -c "$tmp/first.conf" status -c "$tmp/second.conf" 2>&1)
like "$out" "second.conf" "-c after the command wins over -c before it (the last one given)"
out=$("$P" status -d 0.1 2>&1); rc=$?
is "$rc" 2 "-d after the command is checked as before it"
like "$out" 'invalid refresh interval "0.1"' "... with the same error"
out=$("$P" promote pg2 -c "$tmp/none.conf" </dev/null 2>&1); rc=$?
like "$out" "no terminal to confirm on" "promote NODE -c FILE: -c after the node is a global option"
out=$("$P" status --version 2>&1); rc=$?
is "$rc" 0 "--version after the command exits 0"
like "$out" "^pgreplica [0-9]" "... and prints the version"
out=$("$P" dashboard --ssh-config 2>&1); rc=$?
is "$rc" 2 "a global option after the command without its value exits 2"
like "$out" 'option "--ssh-config" needs a value' "... naming it"

# one policy for an extra argument: an error naming it, a hint, exit 2
for c in "status" "plan" "apply" "check pg1" "setup" "dashboard" "demo" "drop-to-async" \
         "promote pg2" "follow pg2" "resync pg2" "switchover pg2" "drop-slot s1"; do
  out=$("$P" -c "$tmp/none.conf" $c extra </dev/null 2>&1); rc=$?
  is "$rc" 2 "$c with an extra argument exits 2"
  like "$out" 'error: unexpected argument "extra"' "$c names the extra argument as an error"
  like "$out" "HINT:  Try \"pgreplica ${c%% *} --help\" for more information." "$c: the hint to its --help"
done
out=$("$P" -c "$tmp/none.conf" check --nagios extra 2>&1); rc=$?
is "$rc" 3 "check --nagios with an extra argument: UNKNOWN (3), as a plugin"
like "$out" 'UNKNOWN - unexpected argument "extra"' "... naming it on the plugin's line"

out=$("$P" -d 0.1 status 2>&1); rc=$?
is "$rc" 2 "a refresh interval out of range exits 2"
like "$out" 'invalid refresh interval "0.1"' "a bad refresh interval is named"
like "$out" 'HINT:  Give a number of seconds between 0.5 and 60' "a bad refresh interval gets a hint"

if [ -w /dev/full ]; then
  out=$("$P" --help 2>&1 > /dev/full); rc=$?
  is "$rc" 2 "writing to a full disk is an error (exit 2)"
  like "$out" "write error" "writing to a full disk says so"
else
  skip 2 "no /dev/full"
fi

# what the terminal would act on (escape sequences in a file name, in a
# libpq message quoting a host) is shown, not sent to the terminal
out=$("$P" -c "$tmp/x"$'\e[2J\e]0;pwned\a\xc2\x9b' status 2>&1); rc=$?
is "$rc" 2 "a missing cluster file whose name holds escape sequences: exit 2"
unlike "$out" $'[\e\a\x9b]' "... no escape character reaches the terminal"
like "$out" 'x\\x1b\[2J\\x1b\]0;pwned\\x07\\u009b' "... they are shown escaped (x1b, x07, u009b)"
printf '[cluster]\nname = "c\033[31m"\n[node "a"]\nrole = primary\nhost = "h\033]0;pwned\007.invalid"\nport = 5432\n' >"$tmp/esc.conf"
out=$("$P" -c "$tmp/esc.conf" status --timeout=5 2>&1); rc=$?
is "$rc" 2 "status of an unreachable node: exit 2"
unlike "$out" $'[\e\a]' "... libpq's message quoting the host reaches the terminal without its escapes"
like "$out" 'could not translate host name "h\\x1b\]0;pwned\\x07.invalid"' "... shown visibly"
like "$out" 'Cluster "c\\x1b\[31m"' "... the cluster's name too"

# a replication password longer than pgreplica takes is refused, not cut short
head -c 1025 /dev/zero | tr '\0' 'p' >"$tmp/long.pw"
chmod 600 "$tmp/long.pw"
out=$("$P" -c "$tmp/esc.conf" --replication-password-file "$tmp/long.pw" plan 2>&1); rc=$?
is "$rc" 2 "a 1025-byte replication password: exit 2"
like "$out" 'the password in ".*long.pw" is longer than 1024 bytes' "... saying why"
head -c 1024 /dev/zero | tr '\0' 'p' >"$tmp/long.pw"
out=$("$P" -c "$tmp/esc.conf" --replication-password-file "$tmp/long.pw" plan 2>&1)
unlike "$out" 'longer than' "a 1024-byte one is taken"

out=$(LANGUAGE=fr "$P" --help 2>&1)
like "$out" "Utilisation" "LANGUAGE=fr gives French help, even in the C locale"
out=$(LC_ALL=C.UTF-8 "$P" --lang fr frobnicate 2>&1)
like "$out" 'commande inconnue «.{1,2}frobnicate.{1,2}»' "--lang fr gives French errors"
out=$(LC_ALL=fr_FR.ISO-8859-1 LANGUAGE=fr "$P" frobnicate 2>&1); rc=$?
is "$rc" 2 "a non-UTF-8 locale still works"
out=$(LC_ALL=C "$P" --lang fr frobnicate 2>&1)
like "$out" 'commande inconnue << frobnicate >>' "an ASCII terminal gets French transliterated, not broken bytes"
out=$(LC_ALL=fr_FR.UTF-8 "$P" -d 0.5 frobnicate 2>&1); rc=$?
unlike "$out" "invalid refresh interval" "-d 0.5 is read the same under a locale with a decimal comma"

nb=$'\xc2\xa0'	# U+00A0, before the colon in French
# README's quick start: the build tree's binary finds the catalogue `make`
# compiled next to it (no PGREPLICA_LOCALEDIR, nothing installed); a copy of
# the binary elsewhere (as installed) does not, it uses the installed ones.
out=$(env -u PGREPLICA_LOCALEDIR LANGUAGE=fr LC_ALL=C.UTF-8 "$P" --help 2>&1)
like "$out" "^Utilisation${nb}: pgreplica" "the build tree's binary speaks French with LANGUAGE=fr in C.UTF-8"
out=$(env -u PGREPLICA_LOCALEDIR -u LANGUAGE LC_ALL=fr_FR.UTF-8 "$P" --help 2>&1)
like "$out" "^Utilisation${nb}: pgreplica" "and under LC_ALL=fr_FR.UTF-8"
out=$(env -u PGREPLICA_LOCALEDIR LC_ALL=C.UTF-8 "$P" --lang fr demo --help 2>&1)
like "$out" "^Utilisation${nb}: pgreplica demo" "and with --lang fr (demo --help)"
out=$(env -u PGREPLICA_LOCALEDIR LC_ALL=C.UTF-8 "$P" --lang fr demo </dev/null 2>&1)
like "$out" "terminal" "demo --lang fr without a terminal answers"
unlike "$out" "needs a terminal" "in French"
# the lines of $1 wider than 80 characters (counted as characters)
long_lines() { local LC_ALL=C.UTF-8 l; while IFS= read -r l; do [ "${#l}" -gt 80 ] && printf '%s\n' "$l"; done <<<"$1"; return 0; }
# every --help, in both languages: "Utilisation :" in French, and 80 columns
for lang in en fr; do
  for c in "" setup dashboard demo plan apply status check promote resync follow; do
    out=$(LC_ALL=C.UTF-8 "$P" --lang "$lang" $c --help 2>&1)
    if [ "$lang" = fr ]; then
      like "$out" "(^|"$'\n'")Utilisation${nb}:" "${c:-pgreplica} --help in French says \"Utilisation :\""
    fi
    long=$(long_lines "$out")
    is "$long" "" "${c:-pgreplica} --help in '$lang' fits 80 columns"
  done
done
cp "$P" "$tmp/pgreplica-elsewhere"
out=$(env -u PGREPLICA_LOCALEDIR LANGUAGE=fr LC_ALL=C.UTF-8 "$tmp/pgreplica-elsewhere" --help 2>&1)
installed_fr=$(find /usr/local/share/locale /usr/share/locale -name pgreplica.mo 2>/dev/null | head -n 1)
if [ -z "$installed_fr" ]; then
  like "$out" "^Usage: pgreplica" "a binary outside the build tree does not use the build tree's catalogue"
else
  skip 1 "a pgreplica catalogue is installed ($installed_fr)"
fi
mkdir -p "$tmp/loc/fr/LC_MESSAGES"
printf 'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "Commands:\\n"\nmsgstr "Kommandoj:\\n"\n' > "$tmp/t.po"
msgfmt -o "$tmp/loc/fr/LC_MESSAGES/pgreplica.mo" "$tmp/t.po"
out=$(PGREPLICA_LOCALEDIR=$tmp/loc LANGUAGE=fr LC_ALL=C.UTF-8 "$P" --help 2>&1)
like "$out" "Kommandoj:" "PGREPLICA_LOCALEDIR wins over the build tree's catalogue"

done_testing
