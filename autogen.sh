#!/bin/sh
# Regenerate the build system (configure, Makefile.in, po/ machinery).
exec autoreconf --force --install --verbose "$(dirname "$0")"
