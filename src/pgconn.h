#ifndef PGR_PGCONN_H
#define PGR_PGCONN_H
#endif
