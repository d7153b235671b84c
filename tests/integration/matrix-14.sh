#!/bin/bash
# matrix-14.sh - the live version matrix for PostgreSQL 14 (tests/lib/matrix.sh)
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
MATRIX_MAJOR=14
. "$top_srcdir/tests/lib/matrix.sh"
