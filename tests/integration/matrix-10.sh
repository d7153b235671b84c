#!/bin/bash
# matrix-10.sh - the live version matrix for PostgreSQL 10 (tests/lib/matrix.sh)
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
MATRIX_MAJOR=10
. "$top_srcdir/tests/lib/matrix.sh"
