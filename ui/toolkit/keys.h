/*
 * keys.h: a screen's keys as one table (htop's Action table with its
 * FunctionBar): each row names a command, the keys bound to it, what the
 * key bar shows and what the help says, so that the bindings, the bar and
 * the help are made from the same rows and cannot drift apart.  The
 * dashboard and every page of the wizard use it; the widgets (form
 * fields, text views, dialogs) keep their own editing and scrolling keys.
 */
#ifndef PGR_UI_KEYS_H
#define PGR_UI_KEYS_H

#include <stdbool.h>
#include <wchar.h>

#include "keybar.h"

/*
 * A key: a curses KEY_* code (get_wch's KEY_CODE_YES) or a character.  An
 * alias is bound like the others but left out of the help, whose rows must
 * fit 80 columns in every language (htop's h, l, Q, F10 habits).
 */
typedef struct keys_bind {
	bool		fkey;
	wint_t		ch;				/* 0: the end of the list */
	bool		alias;
} keys_bind;

#define KEYS_BIND_MAX 4
#define KB_FK(k) {true, (wint_t) (k), false}
#define KB_CH(c) {false, (wint_t) (c), false}
#define KB_FK_ALIAS(k) {true, (wint_t) (k), true}
#define KB_CH_ALIAS(c) {false, (wint_t) (c), true}

typedef struct keys_entry {
	int			cmd;			/* the owner's command (0: none) */
	keys_bind	bind[KEYS_BIND_MAX];	/* the keys that run it; none: the
										 * bar names a widget's key */
	const char *bar_key;		/* NULL: not in the key bar (N_()) */
	const char *bar_label;		/* N_() */
	const char *help;			/* N_(); NULL: not in the help */
	bool		action;			/* changes the cluster: off in read-only */
	bool		bar_optional;	/* the bar leaves it out first (keybar.h) */
	unsigned	modes;			/* the owner's pages or states where the row
								 * counts, as a mask; 0: all of them */
} keys_entry;

/* What a key handler did (htop's HandlerResult), for the loop to act on. */
typedef enum keys_result {
	KEYS_IGNORED,				/* not a key of this state */
	KEYS_HANDLED,				/* nothing to redraw */
	KEYS_REDRAW,
	KEYS_QUIT					/* leave the loop (the owner says where to) */
} keys_result;

/* The command KEY runs in MODE (a single bit; 0: any), or 0. */
int			keys_lookup(const keys_entry *t, int n, unsigned mode, bool is_fkey, wint_t key);

/* The table's row for CMD in MODE (0: any), or NULL. */
const keys_entry *keys_find(const keys_entry *t, int n, unsigned mode, int cmd);

/*
 * The key bar of MODE: the rows with a bar_key, in table order, translated,
 * into ITEMS (room for n); SHOWN (may be NULL) leaves a row out.  Returns
 * the number of items.
 */
int			keys_bar_items(const keys_entry *t, int n, unsigned mode,
						   bool (*shown) (const keys_entry *e, void *arg), void *arg,
						   keybar_item *items);

/* The keys of a row as the help shows them ("F1 ?"), aliases left out. */
char	   *keys_names(const keys_entry *e);

#endif
