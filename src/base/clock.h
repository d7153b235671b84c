/*
 * clock.h: the one monotonic clock and the one sleep of the engine and the
 * UI (time-outs, deadlines, polling, gauges).  Monotonic: a clock set
 * back or forward while a deadline runs must not shorten or stretch it.
 */
#ifndef PGR_CLOCK_H
#define PGR_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in milliseconds. */
int64_t		pgr_now_ms(void);
/* Sleep `ms` milliseconds (nothing when <= 0), resumed after a signal. */
void		pgr_sleep_ms(int64_t ms);

#endif
