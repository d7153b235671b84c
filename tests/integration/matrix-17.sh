#!/bin/bash
# matrix-17.sh - the live version matrix for PostgreSQL 17 (tests/lib/matrix.sh)
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
MATRIX_MAJOR=17
. "$top_srcdir/tests/lib/matrix.sh"
