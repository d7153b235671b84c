#!/bin/bash
# matrix-13.sh - the live version matrix for PostgreSQL 13 (tests/lib/matrix.sh)
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
MATRIX_MAJOR=13
. "$top_srcdir/tests/lib/matrix.sh"
