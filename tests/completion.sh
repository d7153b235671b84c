#!/bin/bash
# The bash completion (completion/pgreplica) with the built program, in an
# interactive bash that loaded bash-completion: commands, global and
# command options, option values, and node names read from the cluster file
# in use (-c FILE, --cluster=FILE, ./pgreplica.conf, then
# $XDG_CONFIG_HOME/pgreplica/cluster.conf or ~/.config/...).
. "${top_srcdir:?}/tests/lib/tap.sh"

bc=/usr/share/bash-completion/bash_completion
[ -r "$bc" ] || skip_all "bash-completion is not installed (Debian package bash-completion)"

tmp=$(mktemp -d) || bail_out "mktemp"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/home/.config/pgreplica" "$tmp/xdg/pgreplica" "$tmp/cwd"
ln -s "${PGREPLICA:?}" "$tmp/bin/pgreplica"

cat > "$tmp/given.conf" <<'EOF'
[cluster]
name = given
[node "alpha"]
role = primary
host = 10.0.0.1
  [ node  "beta-2" ]   ; a comment
role = standby
host = 10.0.0.2
# [node "commented"]
EOF
printf '[node "home1"]\nrole = primary\nhost = 10.0.0.1\n' > "$tmp/home/.config/pgreplica/cluster.conf"
printf '[node "xdg1"]\nrole = primary\nhost = 10.0.0.1\n' > "$tmp/xdg/pgreplica/cluster.conf"

# comp DIR LINE: the completions of LINE (up to its end) typed in DIR.
comp()
{
	(cd "$1" && HOME=$tmp/home PATH=$tmp/bin:$PATH bash --norc --noprofile -i 2>/dev/null) <<EOF
. $bc
. ${top_srcdir}/completion/pgreplica
line='$2'
read -ra COMP_WORDS <<<"\$line"
[[ \$line == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=\$((\${#COMP_WORDS[@]} - 1)); COMP_LINE=\$line; COMP_POINT=\${#line}
_pgreplica pgreplica "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
echo "=> \${COMPREPLY[*]}"
EOF
}
got() { comp "$1" "$2" | sed -n 's/^=> //p'; }

is "$(got "$tmp/cwd" 'pgreplica pro')" "promote" "pgreplica pro<TAB>: promote"
like "$(got "$tmp/cwd" 'pgreplica ')" "^setup dashboard demo plan apply status check promote resync follow" \
	"pgreplica <TAB>: every command of --help"
like "$(got "$tmp/cwd" 'pgreplica --')" "--cluster=.*--replication-password-file=.*--version" \
	"pgreplica --<TAB>: the global options"
is "$(got "$tmp/cwd" 'pgreplica status --')" "--json --format= --timeout= --help" \
	"pgreplica status --<TAB>: the command's options"
is "$(got "$tmp/cwd" 'pgreplica resync pg1 --method ')" "rewind clone" "resync --method <TAB>"
is "$(got "$tmp/cwd" 'pgreplica status --format ')" "text json prometheus" "status --format <TAB>"
is "$(got "$tmp/cwd" 'pgreplica apply --method ')" "alter-system file" "apply --method <TAB>"
is "$(got "$tmp/cwd" 'pgreplica --lang ')" "en fr" "--lang <TAB>"
is "$(got "$tmp/cwd" "pgreplica -c $tmp/given.conf promote ")" "alpha beta-2" \
	"promote <TAB>: the nodes of the -c file (not a commented-out one)"
is "$(got "$tmp/cwd" "pgreplica --cluster=$tmp/given.conf follow b")" "beta-2" \
	"follow b<TAB>: the nodes of the --cluster= file"
is "$(got "$tmp/cwd" "pgreplica --no-color --cluster $tmp/given.conf -d 1 resync ")" "alpha beta-2" \
	"resync <TAB>: the nodes of the --cluster FILE file, after other options"
is "$(got "$tmp/cwd" "pgreplica -c $tmp/given.conf follow beta-2 --upstream ")" "alpha beta-2" \
	"follow NODE --upstream <TAB>: the nodes"
is "$(got "$tmp/cwd" "pgreplica -c $tmp/given.conf follow beta-2 ")" "" \
	"follow NODE <TAB>: no second node"
is "$(got "$tmp/cwd" "pgreplica promote -c $tmp/given.conf ")" "alpha beta-2" \
	"promote -c FILE <TAB>: -c after the command is a global option, its FILE no node"
is "$(got "$tmp/cwd" "pgreplica check --cluster $tmp/given.conf ")" "alpha beta-2" \
	"check <TAB>: check NODE, the nodes"
is "$(got "$tmp/cwd" "pgreplica -c $tmp/given.conf status ")" "" \
	"status <TAB>: takes no node"
is "$(got "$tmp/cwd" 'pgreplica promote ')" "home1" \
	"without -c: ~/.config/pgreplica/cluster.conf"
is "$(XDG_CONFIG_HOME=$tmp/xdg got "$tmp/cwd" 'pgreplica promote ')" "xdg1" \
	"without -c: \$XDG_CONFIG_HOME/pgreplica/cluster.conf"
is "$(XDG_CONFIG_HOME=relative got "$tmp/cwd" 'pgreplica promote ')" "home1" \
	"a relative \$XDG_CONFIG_HOME is ignored, as pgreplica ignores it"
cp "$tmp/given.conf" "$tmp/cwd/pgreplica.conf"
is "$(XDG_CONFIG_HOME=$tmp/xdg got "$tmp/cwd" 'pgreplica resync ')" "alpha beta-2" \
	"./pgreplica.conf comes first"
is "$(got "$tmp/cwd" "pgreplica -c $tmp/missing.conf promote ")" "" \
	"a missing cluster file: no node, no error"
done_testing
