#!/bin/bash
# wizard-fr.sh - the set-up wizard, by keys alone, in French.
#
# The run of wizard-en.sh under LANGUAGE=fr and fr_FR.UTF-8, with the
# catalogue built from po/fr.po (PGREPLICA_LOCALEDIR): every page is
# asserted by a few of its French strings.  Besides: no password file, so
# the superuser's password is typed; a wrong one first, which the primary's
# test refuses with a French error, then the right one.  The standby's data
# directory has accented letters ("données"): the cluster file and the
# server's own data_directory keep them intact, and the new standby is
# built there.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
set -u

PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
command -v tmux >/dev/null || skip_all "no tmux"
command -v "${PG_BINDIR:-$(pg_config --bindir 2>/dev/null)}/initdb" >/dev/null ||
	skip_all "no PostgreSQL server binaries (set PG_BINDIR)"
command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || skip_all "no sshd"
locale -a 2>/dev/null | grep -qi '^fr_FR\.utf-\?8$' ||
	skip_all "no fr_FR.UTF-8 locale (build-aux/install-deps.sh --test makes it)"
[ -n "${PGR_LOCALEDIR:-}" ] && [ -f "$PGR_LOCALEDIR/fr/LC_MESSAGES/pgreplica.mo" ] ||
	skip_all "no French catalogue built (run through make check)"
export PGREPLICA_TEMPLATES=${PGREPLICA_TEMPLATES:-$top_srcdir/templates}

fx_setup
. "$top_srcdir/tests/lib/tui.sh"
ok "initdb pg1" fx_pg_init pg1 && ok "start pg1" fx_pg_start pg1 || bail_out "no primary"
ok "sshd on pg1" fx_sshd pg1 && ok "pg1's host key trusted" fx_ssh_trust pg1 || bail_out "no sshd on pg1"
ok "initdb pg2" fx_pg_init pg2 || bail_out "no standby server"
# pg2's data directory has an accented name; the fixture's own path to it
# ("data") is a link, so that its helpers and teardown still find it
accented="$FX_DIR/pg2/données"
mv "$FX_DIR/pg2/data" "$accented" && ln -s données "$FX_DIR/pg2/data" &&
	chown -h "$FX_USER" "$FX_DIR/pg2/data"
# started by its real path: the server's data_directory is the accented one
ok "start pg2 in \"données\"" fx_on_host_as_user pg2 "$(fx_bindir pg2)/pg_ctl" -D "$accented" \
	-l "$FX_DIR/pg2/log" -w start || bail_out "no standby server"
is "$(fx_psql pg2 'SHOW data_directory')" "$accented" "pg2's data_directory is the accented path"
ok "sshd on pg2" fx_sshd pg2 || bail_out "no sshd on pg2"
chown "$FX_USER" "$FX_DIR/pg2"
superpw=$(sed -n 's/^[^:]*:[^:]*:[^:]*:postgres://p' "$FX_PGPASSFILE")

conf=$FX_DIR/cluster.conf
export XDG_STATE_HOME=$FX_DIR/state XDG_CONFIG_HOME=$FX_DIR/config
unset SSH_AUTH_SOCK LC_ALL
export LANG=fr_FR.UTF-8 LANGUAGE=fr PGREPLICA_LOCALEDIR=$PGR_LOCALEDIR
# no password file: the superuser's password is typed in the wizard
export PGPASSFILE=$FX_DIR/empty.pgpass
(umask 077; : >"$PGPASSFILE")
nb=$(printf '\302\240')		# the no-break space of French typography

fill() { tui_keys W End C-u; [ -z "$1" ] || tui_type W "$1"; }

tui_start W 100 30 "$PGREPLICA" -c "$conf" --ssh-config "$FX_SSH_CONFIG" setup
ok "accueil : Bienvenue" tui_wait W "Bienvenue"
ok "accueil : un nouveau cluster" tui_wait W "Mettre en place un nouveau cluster"
ok "accueil : réplication en flux" tui_wait W "la réplication en flux de PostgreSQL"
ok "accueil : les touches" tui_wait W "F10Suivant.*F9Quitter"
tui_keys W F10

ok "primaire : titre" tui_wait W "Serveur primaire"
ok "primaire : champs" tui_wait W "Répertoire de données"
tui_keys W Tab; fill "$FX_ADDR_pg1"
tui_keys W Tab; fill "$FX_PORT_pg1"
tui_keys W Tab Tab; fill "not-the-password"
tui_keys W Tab; fill pg1
tui_keys W Tab; fill "$(fx_pgdata pg1)"
tui_keys W Tab; fill "$(fx_bindir pg1)"
tui_keys W BTab BTab BTab BTab BTab; fill 99999; tui_keys W Tab
ok "primaire : port refusé en français" tui_wait W "ce n'est pas un numéro de port"
ok "primaire : avec une indication" tui_wait W "entre 1 et 65535"
tui_keys W BTab; fill "$FX_PORT_pg1"; tui_keys W Tab
ok "primaire : l'erreur part une fois corrigée" tui_wait_gone W "numéro de port"
tui_keys W F5
ok "mauvais mot de passe : le test échoue" tui_wait W "Échec du test" 30
ok "mauvais mot de passe : erreur en français" tui_wait W "échec de l'authentification"
ok "mauvais mot de passe : l'utilisateur nommé" tui_wait W "utilisateur «${nb}postgres${nb}»"
tui_keys W Enter
tui_wait_gone W "Échec du test"
# the focus is where it was, on the superuser: the password is next
tui_keys W Tab; fill "$superpw"
tui_keys W F5
ok "bon mot de passe : test réussi" tui_wait W "Test réussi" 30
ok "connecté en tant que postgres" tui_wait W "connecté en tant que postgres"
ok "cible SSH jointe" tui_wait W "cible SSH «${nb}pg1${nb}»${nb}: jointe"
nok "le mot de passe n'est pas à l'écran" sh -c "tmux -L '$TUI_SOCKET' capture-pane -p -t W | grep -q -- '$superpw'"
tui_keys W Enter
tui_wait_gone W "Test réussi"
tui_keys W F10

ok "secondaires : titre" tui_wait W "Serveurs standby"
ok "secondaires : 1 sur 1" tui_wait W "Serveur standby 1 sur 1${nb}: \[pg2\]"
ok "secondaires : les touches" tui_wait W "F2Ajouter F8Retirer"
tui_keys W Tab; fill "$FX_ADDR_pg2"
tui_keys W Tab; fill "$FX_PORT_pg2"
tui_keys W Tab; fill pg2
tui_keys W Tab; fill "$accented"
tui_keys W Tab; fill "$(fx_bindir pg2)"
ok "le chemin accentué s'affiche tel quel" tui_wait W "pg2/données"
tui_keys W F5
ok "clé d'hôte SSH inconnue" tui_wait W "Clé d'hôte SSH inconnue" 30
ok "avec son empreinte" tui_wait W "L'empreinte de sa clé"
tui_keys W Left Enter
ok "secondaire : test réussi" tui_wait W "Test réussi" 30
ok "répertoire de données trouvé (mis de côté)" tui_wait W "«${nb}$accented${nb}»${nb}: présent"
tui_keys W Enter
tui_wait_gone W "Test réussi"
tui_keys W F10

ok "choix : titre" tui_wait W "Choix de réplication"
ok "choix : mot de passe généré" tui_wait W "en générer un robuste"
ok "choix : slot de réplication" tui_wait W "un slot de réplication par standby"
tui_keys W F10

ok "revue : titre" tui_wait W "Revue du plan"
ok "revue : le plan du cluster" tui_wait W "Plan du cluster «${nb}main${nb}»${nb}:" 60
ok "revue : le fichier de cluster" tui_wait W "Le fichier de cluster «${nb}$conf${nb}» est écrit"
tui_keys W End
ok "revue : le chemin accentué dans l'aperçu" tui_wait W "données"
tui_keys W Home
tui_resize W 80 24
ok "80x24 : la revue redessinée" tui_wait W "Revue du plan"
ok "80x24 : la barre des touches" tui_wait W "F10Appliquer"
tui_resize W 100 30
tui_wait W "Plan du cluster"
tui_keys W F10
ok "revue : confirmation en français" tui_wait W "Appliquer ce plan maintenant${nb}\?"
ok "revue : Oui / Non" tui_wait W "\[ Oui \] +\[ Non \]"
# "o" answers Oui, as at the command line's [o/N]
tui_keys W o
ok "application : titre" tui_wait W "Application du plan|Mise en place terminée"
ok "mise en place terminée" tui_wait W "Mise en place terminée" 300
ok "toutes les étapes faites" tui_wait W "Terminé${nb}: [0-9]+ étapes appliquées"
# the copy's gauge ends on the real bytes (issue 18: it said "1 B of 1 B"),
# within 10% of the new data directory (pg_wal aside: streamed, not counted)
ok "la jauge de la copie, en français" tui_wait W "sauvegarde de base${nb}: [0-9.,]+ [kMG]?o sur [0-9.,]+ [kMG]?o"
gauge=$(tui_screen W | sed -n "s/.*sauvegarde de base${nb}: \([0-9.,]*\) \([kMG]\{0,1\}o\) sur.*/\1 \2/p" | head -n 1)
set -- $gauge
shown=$(awk -v n="${1:-0}" -v u="${2:-o}" 'BEGIN { gsub(",", ".", n); m = 1
	if (u == "ko") m = 1024; else if (u == "Mo") m = 1048576; else if (u == "Go") m = 1073741824
	printf "%d\n", n * m }')
size2=$(du -sb --exclude=pg_wal "$accented" | cut -f1)
diag "the gauge shows ${gauge:-nothing} ($shown bytes); the data directory without pg_wal: $size2 bytes"
ok "la jauge finit sur la taille de la copie (à 10 % près)" \
	awk -v a="$shown" -v b="$size2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= b / 10) }'
ok "pg1 voit pg2 en flux" fx_wait_streaming pg1 pg2
nok "le fichier de cluster sans mot de passe" grep -qi "password" "$conf"
ok "le fichier de cluster garde « données » intact" grep -qxF "pgdata = $accented" "$conf"
is "$(fx_psql pg2 'SHOW data_directory')" "$accented" "the standby runs in the accented directory"
ok "standby.signal in the accented directory" test -f "$accented/standby.signal"
ok "the old directory kept beside it" sh -c "ls -d '$FX_DIR/pg2/'données.pgreplica-* >/dev/null"
tui_keys W F10
# TEMP: the stub's screen; the real dashboard's French words once merged
ok "le tableau de bord suit" tui_wait W "Pause .*Quitter"
ok "pg2 en flux au tableau de bord (mot de passe tapé gardé)" tui_wait W "pg2 +[^ ]+ +streaming" 30
tui_keys W q
tui_wait W "Pane is dead" 10 >/dev/null || :
is "$(tui_exit_status W)" 0 "exit status 0"

done_testing
