/* status.c: being written. */
#include <config.h>
