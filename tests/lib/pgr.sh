# tests/lib/pgr.sh — running pgreplica from a test script.
#
# Source it after tests/lib/fixture.sh.  One definition of what a dozen
# scripts each used to write out for themselves.
#
#   run ARG...         runs  PROG [RUN_OPTS...] -c "$conf" --ssh-config
#                      "$FX_SSH_CONFIG" ARG... [RUN_TAIL...]  with stdin from
#                      /dev/null; sets $out (stdout and stderr) and $rc.
#                      PROG is $RUN_PROG, or $PGREPLICA when unset.
#                      RUN_OPTS and RUN_TAIL are arrays (e.g.
#                      RUN_TAIL=(--primary-only)); both empty when unset.
#   conf_get NODE KEY  the value of KEY in the [node "NODE"] section of
#                      "$conf" (empty when absent).
#
# Scripts that run pgreplica differently (as another user, with other
# environment variables, timing each call) keep their own function under
# another name.

run()
{
	out=$("${RUN_PROG:-$PGREPLICA}" ${RUN_OPTS[@]+"${RUN_OPTS[@]}"} \
		-c "$conf" --ssh-config "$FX_SSH_CONFIG" "$@" \
		${RUN_TAIL[@]+"${RUN_TAIL[@]}"} </dev/null 2>&1)
	rc=$?
}

conf_get()
{
	sed -n "/^\[node \"$1\"\]/,/^\[/ s/^$2 = //p" "$conf"
}
