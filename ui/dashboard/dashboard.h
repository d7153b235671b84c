/*
 * dashboard.h: the live dashboard (ncurses front end of monitor.h).
 */
#ifndef PGR_DASHBOARD_H
#define PGR_DASHBOARD_H

#include <stdbool.h>

#include "globals.h"

/*
 * The live dashboard on the cluster file at PATH.  Works whether or not
 * curses is already active (crt_active()); if it was active on entry it
 * stays active on return, else it is ended.  Returns an exit status
 * (PGR_EXIT_OK when the operator quits).
 */
int			dashboard_run(const pgr_globals *g, const char *cluster_path, bool readonly,
						  bool force);

#endif
