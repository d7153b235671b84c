#!/bin/bash
# matrix-18.sh - the live version matrix for PostgreSQL 18 (tests/lib/matrix.sh)
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
MATRIX_MAJOR=18
. "$top_srcdir/tests/lib/matrix.sh"
