# writer.sh - a writer under which a switchover runs  -*- sh -*-
#
# Sourced after fixture.sh by the tests that switch a primary over
# (tests/integration/switchover.sh, tests/lib/matrix.sh).  The table is
# "w (id int PRIMARY KEY)", made by the test.
#   writer_start HOST...   in the background, commit one row at a time
#                          (INSERT INTO w VALUES (i), a new psql each, over
#                          TCP from the runner) on the first of HOSTS that
#                          accepts it; each acknowledged commit is recorded
#                          as "i HOST" in $FX_DIR/acked
#   writer_stop            stop it and wait for it
#   writer_count HOST      how many commits HOST acknowledged
#   writer_missing HOST    the acknowledged ids that are not in HOST's w
#                          (comma-separated; empty when none is lost)

writer_start()
{
	: >"$FX_DIR/acked"
	rm -f "$FX_DIR/stop-writer"
	(
		i=0
		while [ ! -e "$FX_DIR/stop-writer" ]; do
			i=$((i + 1))
			for h in "$@"; do
				if fx_psql_tcp runner "$h" "INSERT INTO w VALUES ($i)" >/dev/null 2>&1; then
					echo "$i $h" >>"$FX_DIR/acked"
					break
				fi
			done
		done
	) &
	WRITER_PID=$!
}

writer_stop()
{
	touch "$FX_DIR/stop-writer"
	wait "$WRITER_PID"
}

writer_count()
{
	grep -c " $1\$" "$FX_DIR/acked"
}

writer_missing()
{
	local acked
	acked=$(cut -d' ' -f1 "$FX_DIR/acked" | sort -n | tr '\n' ',' | sed 's/,$//')
	fx_psql "$1" "SELECT string_agg(a::text, ',') FROM unnest('{$acked}'::int[]) a WHERE a NOT IN (SELECT id FROM w)"
}
