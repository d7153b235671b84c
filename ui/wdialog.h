/*
 * wdialog.h: modal dialogs over the current page (its backdrop is redrawn
 * under them, also after a resize): a message, a yes/no question whose
 * answer defaults to No, and a one-line input (a password without echo).
 */
#ifndef PGR_UI_WDIALOG_H
#define PGR_UI_WDIALOG_H

#include <stdbool.h>

#include "report.h"

void		wdialog_message(const char *title, const char *text);
/* An error: message, detail and hint. */
void		wdialog_error(const char *title, const pgr_error *err);
/* Yes / No; the focus starts on DEFAULT_YES's answer (dangerous: No). */
bool		wdialog_confirm(const char *title, const char *text, bool default_yes);
/* A line of input; NULL when the operator gave up (Esc).  A secret is
 * returned for pgr_free_secret. */
char	   *wdialog_input(const char *title, const char *prompt, bool secret);

#endif
