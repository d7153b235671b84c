/*
 * clock.c: the monotonic clock and the sleep (see clock.h).
 */
#include <config.h>

#include <errno.h>
#include <time.h>

#include "clock.h"

int64_t
pgr_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
pgr_sleep_ms(int64_t ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t) (ms / 1000);
	ts.tv_nsec = (long) (ms % 1000) * 1000000L;
	/* a signal (SIGWINCH, SIGCHLD) must not cut a poll interval short */
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}
