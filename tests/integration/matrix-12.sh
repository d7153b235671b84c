#!/bin/bash
# matrix-12.sh - the live version matrix for PostgreSQL 12 (tests/lib/matrix.sh)
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
MATRIX_MAJOR=12
. "$top_srcdir/tests/lib/matrix.sh"
