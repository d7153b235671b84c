/* cmd_status.c: being written. */
#include <config.h>
#include <stdlib.h>
/* Temporary until cmd_status.c lands. */
#include "commands.h"
int cmd_status(const pgr_globals *g, int argc, char **argv) { return PGR_EXIT_ERROR; }
