/*
 * node_test.h: the node test of the wizard's F5 and of "pgreplica check
 * NODE": can pgreplica reach this node as the set-up will need it?  The
 * primary's PostgreSQL through libpq (as verified by the cluster's TLS
 * settings), the node's host through its transport (SSH or local), its
 * server programs ("postgres --version"), and a standby's data directory
 * (there or not: it is moved aside, never deleted).  It blocks for up to
 * the connect time-outs: the wizard runs it on its worker thread.
 */
#ifndef PGR_NODE_TEST_H
#define PGR_NODE_TEST_H

#include <stdbool.h>

#include "cluster.h"
#include "strbuf.h"
#include "transport.h"

/*
 * Test node N of CL (CL gives the TLS settings; N need not be in it, the
 * wizard tests what was typed).  PRIMARY: connect to its server; else look
 * at its data directory.  One line per finding, translated, appended to
 * OUT.  Returns true when everything the set-up needs was reached.
 */
bool		node_test(const cluster *cl, const cluster_node *n, bool primary,
					  const transport_options *topts, strbuf *out);

#endif
