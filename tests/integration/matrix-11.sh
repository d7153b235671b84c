#!/bin/bash
# matrix-11.sh - the live version matrix for PostgreSQL 11 (tests/lib/matrix.sh)
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
MATRIX_MAJOR=11
. "$top_srcdir/tests/lib/matrix.sh"
