/*
 * lsn.c: WAL positions as PostgreSQL prints them.
 *
 * Its own module, at the bottom of the layers: the monitor, status and the
 * timeline histories all compare positions, and none of them should have
 * to include another to do it.
 */
#include <config.h>

#include <stdio.h>

#include "lsn.h"

long long
lsn_parse(const char *lsn)
{
	unsigned int hi,
				lo;
	char		extra;

	if (!lsn || sscanf(lsn, "%X/%X%c", &hi, &lo, &extra) != 2)
		return -1;
	return ((long long) hi << 32) | lo;
}
