/*
 * process.c: see process.h.
 */
#include <config.h>

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "process.h"

void
process_setup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
	(void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}
