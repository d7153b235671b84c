/*
 * lsn.h: WAL positions as PostgreSQL prints them ("16/B374D848").
 */
#ifndef PGR_LSN_H
#define PGR_LSN_H

/*
 * The position as a number (comparable, subtractable), or -1 when LSN is
 * NULL or not of the form X/Y in hexadecimal with nothing after it.
 */
long long	lsn_parse(const char *lsn);

#endif
