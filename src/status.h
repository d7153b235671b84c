#ifndef PGR_STATUS_H
#define PGR_STATUS_H
#endif
