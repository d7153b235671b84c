#!/bin/bash
# matrix-16.sh - the live version matrix for PostgreSQL 16 (tests/lib/matrix.sh)
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
MATRIX_MAJOR=16
. "$top_srcdir/tests/lib/matrix.sh"
