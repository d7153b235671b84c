#!/bin/bash
# matrix-15.sh - the live version matrix for PostgreSQL 15 (tests/lib/matrix.sh)
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
MATRIX_MAJOR=15
. "$top_srcdir/tests/lib/matrix.sh"
