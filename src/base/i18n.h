/*
 * i18n.h: the one place that decides how strings are translated.
 *
 * Every user-visible string goes through _() (or N_() where it must stay a
 * constant, as in tables); po/POTFILES.in lists every file that uses them.
 */
#ifndef PGR_I18N_H
#define PGR_I18N_H

#include <config.h>

#if ENABLE_NLS
#include <libintl.h>
#define _(s) gettext(s)
#else
#define _(s) (s)
#define ngettext(s, p, n) ((n) == 1 ? (s) : (p))
#endif
#define N_(s) (s)

#endif
