/* cluster.c: being written. */
#include <config.h>
#include <stdlib.h>
/* Temporary until cluster.c lands. */
#include "cluster.h"
#include "report.h"
char *cluster_default_path(void) { return pgr_strdup(CLUSTER_FILE_NAME); }
