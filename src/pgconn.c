/* pgconn.c: being written. */
#include <config.h>
