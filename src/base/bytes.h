/*
 * bytes.h: sizes as people read them.
 */
#ifndef PGR_BYTES_H
#define PGR_BYTES_H

#include <stddef.h>

/*
 * "0 B", "512 kB", "16 MB", "1.5 GB"... into buf, units translated ("ko",
 * "Mo" in French), "-" for a negative size: the one formatter of sizes for
 * status, the dashboard and the wizard.  Returns buf.
 */
const char *pgr_format_bytes(long long bytes, char *buf, size_t size);

#endif
