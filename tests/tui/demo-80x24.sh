#!/bin/bash
# demo-80x24.sh - the whole demo at 80x24, in French and then in English.
#
# README's quick start, as a new user runs it from the build tree: "pgreplica
# --lang LL demo" in an 80x24 terminal, the catalogue found next to the
# binary (no PGREPLICA_LOCALEDIR).  Every wizard page passed with F10, the
# plan reviewed and applied, then the dashboard: a standby selected, pause,
# help, event log, commits waiting for a synchronous standby (the A hint and
# key), a promotion and a re-synchronisation of the old primary.  On every
# screen: the key bar is the whole expected bar, and no line reaches the last
# column (a cut text does; lines that are data, events with their paths and
# server messages, are left out of that check).  Then "demo --reset".

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
set -u

. "$top_srcdir/tests/lib/demo.sh"
demo_require
command -v psql >/dev/null || skip_all "no psql"
unset PGREPLICA_LOCALEDIR
LC_ALL=C.UTF-8 "$PGREPLICA" --lang fr --help 2>/dev/null | grep -q '^Utilisation' ||
	skip_all "$PGREPLICA finds no French catalogue (not the build tree's binary, nothing installed)"

fx_setup
. "$top_srcdir/tests/lib/tui.sh"
demo_home
unset LANGUAGE
export LC_ALL=C.UTF-8
nb=$'\xc2\xa0'			# U+00A0, before : ; ? ! in French

# the screen's lines, trailing blanks stripped
lines() { tui_screen W | sed 's/[[:space:]]*$//'; }

# whole WHAT: no line of the screen reaches column 80 (a cut text does),
# but the lines of the main screen's events pane (one line of each event:
# the event log shows them whole) and the key bar (a bar may fill the 80
# columns: bar compares it whole)
whole()
{
	local l cut=''
	while IFS= read -r l; do
		[[ $l =~ ^\ \ [0-9]{2}:[0-9]{2}:[0-9]{2}\  ]] && continue
		[ "${#l}" -ge 80 ] && cut="$cut${cut:+ / }$l"
	done < <(lines | sed '$d')
	if [ -z "$cut" ]; then
		_tap_result 0 "$1: nothing cut at 80 columns"
	else
		_tap_result 1 "$1: nothing cut at 80 columns"
		diag "cut: $cut"
		lines | sed 's/^/    | /' | while IFS= read -r l; do diag "$l"; done
	fi
}

# bar WHAT EXPECTED: the key bar (the last line) is the whole expected bar
bar() { is "$(lines | tail -n 1)" "$2" "$1: the key bar, whole"; }

# sql: on the demo's node NAME
sql()
{
	local port
	port=$(awk -v n="[node \"$1\"]" '$0 == n {f = 1; next} /^\[/ {f = 0} f && $1 == "port" {print $3}' "$conf")
	PGPASSFILE=$demo/pgpass psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -At -c "$2"
}

# walk LANG: the words of the screens in that language are in T[]
walk()
{
	local L=$1
	diag "--- the demo in '$L' at 80x24"
	tui_start W 80 24 "$PGREPLICA" --lang "$L" demo
	ok "$L: the wizard opens on the demo" tui_wait W "${T[welcome]}" 120
	whole "$L: welcome"
	bar "$L: welcome" "${T[bar_welcome]}"
	tui_keys W F9
	ok "$L: the quit question" tui_wait W "${T[quit_q]}"
	whole "$L: the quit question"
	tui_keys W Enter
	tui_wait_gone W "${T[quit_q]}" 10
	tui_keys W F10
	ok "$L: primary page" tui_wait W "${T[primary]}"
	whole "$L: primary page"
	bar "$L: primary page" "${T[bar_node]}"
	tui_keys W F5
	ok "$L: the primary's test" tui_wait W "${T[test_ok]}" 60
	whole "$L: the primary's test"
	tui_keys W Enter
	tui_wait_gone W "${T[test_ok]}" 10
	tui_keys W F10
	ok "$L: standbys page" tui_wait W "${T[standbys]}"
	whole "$L: standbys page"
	bar "$L: standbys page" "${T[bar_standbys]}"
	tui_keys W F10
	ok "$L: replication page" tui_wait W "${T[options]}"
	whole "$L: replication page"
	bar "$L: replication page" "${T[bar_options]}"
	tui_keys W F10
	ok "$L: plan review" tui_wait W "${T[plan]}" 120
	whole "$L: plan review"
	bar "$L: plan review" "${T[bar_review]}"
	tui_keys W PgDn
	tui_wait_gone W "${T[plan]}" 10
	whole "$L: plan review, next page"
	tui_keys W F10
	ok "$L: the apply question" tui_wait W "${T[apply_q]}"
	whole "$L: the apply question"
	tui_keys W Left Enter
	ok "$L: the set-up completes" tui_wait W "${T[complete]}" 300
	whole "$L: set-up complete"
	bar "$L: set-up complete" "${T[bar_done]}"
	tui_keys W F3
	tui_wait W "${T[complete]}" 10
	whole "$L: set-up complete, with its log"
	tui_keys W F3
	tui_keys W F10

	ok "$L: the dashboard, pg2 streaming" tui_wait W "^  pg2 +standby +streaming" 60
	ok "$L: the header, delay and clock" tui_wait W "${T[header]}"
	ok "$L: the node table's header ends with its SLOT column" tui_wait W "${T[cols]}"
	ok "$L: sizes in the language's units, as status writes them" tui_wait W "${T[slot_row]}"
	whole "$L: dashboard"
	bar "$L: dashboard" "${T[bar_dash]}"
	tui_keys W j
	ok "$L: the standby's details" tui_wait W "${T[pipeline]}"
	whole "$L: a standby's details"
	sql pg2 "SELECT pg_wal_replay_pause()" >/dev/null
	ok "$L: replay paused, the state cell whole" tui_wait W "^. pg2 +standby +${T[replay_paused]} +[0-9]" 30
	whole "$L: replay paused"
	sql pg2 "SELECT pg_wal_replay_resume()" >/dev/null
	tui_wait W "^  pg2 +standby +streaming" 30
	tui_keys W Space
	ok "$L: paused, the marker beside the clock" tui_wait W "${T[paused]}"
	whole "$L: paused"
	tui_keys W Space
	tui_wait_gone W "${T[paused]}" 10
	tui_keys W F1
	ok "$L: the help" tui_wait W "${T[help]}"
	ok "$L: the help's last key" tui_wait W "${T[help_q]}"
	whole "$L: help"
	tui_keys W x
	tui_keys W L
	ok "$L: the event log, its title whole" tui_wait W "${T[log]}"
	whole "$L: event log"
	tui_keys W L
	tui_wait W "${T[pipeline]}" 10

	# commits wait: no synchronous standby connected (A)
	sql pg1 "ALTER SYSTEM SET synchronous_standby_names = 'nobody'" &&
		sql pg1 "SELECT pg_reload_conf()" >/dev/null
	tui_keys W k
	ok "$L: commits wait, the A hint whole" tui_wait W "${T[sync_hint]}" 30
	whole "$L: commits waiting"
	bar "$L: commits waiting" "${T[bar_async]}"
	sql pg1 "ALTER SYSTEM RESET synchronous_standby_names" &&
		sql pg1 "SELECT pg_reload_conf()" >/dev/null
	tui_wait_gone W "${T[sync_hint]}" 30

	# promote pg2: the panel, no lone "?", fencing
	tui_keys W j P
	ok "$L: the promote panel" tui_wait W "${T[promote_q]}" 30
	whole "$L: the promote panel"
	nok "$L: no lone '?' line in the panel" sh -c "tmux -L '$TUI_SOCKET' capture-pane -p -t W | grep -Eq '(^|[[:space:]])[?][[:space:]]*\$'"
	tui_keys W y
	ok "$L: the fencing question" tui_wait W "${T[fence_q]}" 30
	whole "$L: the fencing question"
	tui_keys W y
	ok "$L: pg2 is the primary" tui_wait W "${T[header_pg2]}" 120
	whole "$L: after the promotion"
	tui_keys W L
	ok "$L: the event log after the promotion" tui_wait W "${T[log]}"
	ok "$L: an event longer than a line, whole" tui_wait W "${T[long_event]}"
	whole "$L: event log, long events wrapped"
	tui_keys W L
	tui_wait_gone W "${T[log]}" 10

	# resync pg1 from pg2 (pg_rewind, else a copy)
	tui_keys W k R
	ok "$L: the resync question" tui_wait W "${T[resync_q]}" 30
	whole "$L: the resync question"
	tui_keys W y
	if tui_wait W "^  pg1 +standby +streaming|${T[clone_q]}" 180; then
		if tui_screen W | grep -Eq "${T[clone_q]}"; then
			diag "pg_rewind could not: a new copy"
			tui_keys W y
		fi
	fi
	ok "$L: pg1 streams from pg2" tui_wait W "^  pg1 +standby +streaming" 180
	whole "$L: after the resync"
	bar "$L: after the resync" "${T[bar_dash]}"
	tui_keys W q
	ok "$L: pgreplica ends" tui_wait_dead W
	is "$(tui_exit_status W)" 0 "$L: exit status 0"
	"$PGREPLICA" demo --reset >"$FX_DIR/reset.out" 2>&1
	is "$?" 0 "$L: demo --reset" || diag "$(cat "$FX_DIR/reset.out")"
}

declare -A T
T=(
	[welcome]="Bienvenue"
	[replay_paused]="en pause"
	[long_event]="^ {20}.*réécrit$"
	[quit_q]="Quitter l'assistant de mise en place${nb}\?"
	[test_ok]="Test réussi"
	[primary]="Serveur primaire"
	[standbys]="Serveurs standby"
	[options]="Choix de réplication"
	[plan]="Plan du cluster «${nb}pgreplica-demo${nb}»${nb}: [0-9]+ étapes"
	[apply_q]="Appliquer ce plan maintenant${nb}\?"
	[complete]="Mise en place terminée"
	[header]="^ pgreplica  cluster${nb}: pgreplica-demo  primaire${nb}: pg1 +délai${nb}: 2\.0 s  [0-9:]{8}\$"
	[header_pg2]="primaire${nb}: pg2 +délai${nb}: 2\.0 s  [0-9:]{8}\$"
	[cols]="^  NŒUD +RÔLE +ÉTAT +TL +LSN +RETARD +TEMPS +SYNC +SLOT\$"
	[pipeline]="Chaîne des WAL de pg2 depuis pg1"
	[slot_row]="^  pg2 +actif +[0-9.]+ (o|ko|Mo) +pg2 "
	[paused]="délai${nb}: 2\.0 s  EN PAUSE  [0-9:]{8}\$"
	[help]="touches \(une touche pour revenir\)"
	[help_q]="^  q +quitter\$"
	[log]="^ Journal des événements \([0-9]+\)${nb}: Haut/Bas/PgPréc/PgSuiv, L ou q${nb}: retour\$"
	[sync_hint]="aucun standby synchrone connecté${nb}: validations en attente \(A${nb}: asynchrone\)\$"
	[promote_q]="Promouvoir pg2${nb}\?"
	[fence_q]="L'arrêter d'abord"
	[resync_q]="Resynchroniser pg1 depuis le primaire"
	[clone_q]="pg_rewind n.a pas pu resynchroniser pg1"
	[bar_welcome]="F10Suivant TabChamp ÉchapRetour F9Quitter"
	[bar_node]="F10Suivant F5Tester TabChamp ÉchapRetour F9Quitter"
	[bar_standbys]="F10Suivant F5Tester F2Ajouter F8Retirer PgSuivAutre ÉchapRetour F9Quitter"
	[bar_options]="F10Suivant EspaceChanger TabChamp ÉchapRetour F9Quitter"
	[bar_review]="F10Appliquer PgSuivDéfiler ÉchapRetour F9Quitter"
	[bar_done]="F10Tableau de bord F3Journal ÉchapRetour F9Quitter"
	[bar_dash]="F1Aide EspacePause PPromouvoir FRattacher RResync SBascule DSuppr. slot qQuitter"
	[bar_async]="F1Aide EspacePause PPromouvoir FRattacher RResync SBascule AAsync qQuitter"
)
walk fr

T=(
	[welcome]="Welcome"
	[replay_paused]="replay paused"
	[long_event]='^ {20}.*cluster\.conf"$'
	[quit_q]="Leave the set-up wizard\?"
	[test_ok]="Test passed"
	[primary]="Primary server"
	[standbys]="Standby servers"
	[options]="Replication choices"
	[plan]='Plan for cluster "pgreplica-demo": [0-9]+ steps'
	[apply_q]="Apply this plan now\?"
	[complete]="Set-up complete"
	[header]="^ pgreplica  cluster: pgreplica-demo  primary: pg1 +refresh: 2\.0 s  [0-9:]{8}\$"
	[header_pg2]="primary: pg2 +refresh: 2\.0 s  [0-9:]{8}\$"
	[cols]="^  NODE +ROLE +STATE +TL +LSN +LAG +TIME +SYNC +SLOT\$"
	[pipeline]="WAL pipeline of pg2 from pg1"
	[slot_row]="^  pg2 +active +[0-9.]+ (B|kB|MB) +pg2 "
	[paused]="refresh: 2\.0 s  PAUSED  [0-9:]{8}\$"
	[help]="keys \(any key to go back\)"
	[help_q]="^  q +quit\$"
	[log]="^ Event log \([0-9]+\): Up/Down/PgUp/PgDn scroll, L or q back\$"
	[sync_hint]="no synchronous standby is connected: commits wait \(A drops to asynchronous\)\$"
	[promote_q]="Promote pg2\?"
	[fence_q]="Stop it first"
	[resync_q]="Re-synchronise pg1 from the primary"
	[clone_q]="pg_rewind could not re-sync pg1"
	[bar_welcome]="F10Next TabField EscBack F9Quit"
	[bar_node]="F10Next F5Test TabField EscBack F9Quit"
	[bar_standbys]="F10Next F5Test F2Add F8Remove PgDnOther EscBack F9Quit"
	[bar_options]="F10Next SpaceChange TabField EscBack F9Quit"
	[bar_review]="F10Apply PgDnScroll EscBack F9Quit"
	[bar_done]="F10Dashboard F3Log EscBack F9Quit"
	[bar_dash]="F1Help SpacePause TTimelines PPromote FFollow RResync SSwitch DDrop slot qQuit"
	[bar_async]="F1Help SpacePause PPromote FFollow RResync SSwitch AAsync DDrop slot qQuit"
)
walk en

nok "no demo server left" pgrep -f -- "-D $ROOT_SERVERS"
nok "no servers' directory left" test -e "$ROOT_SERVERS"

done_testing
