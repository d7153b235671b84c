/*
 * keys.c: see keys.h.
 */
#include <config.h>

#include "i18n.h"
#include "keys.h"
#include "provide_curses.h"
#include "strbuf.h"

static bool
in_mode(const keys_entry *e, unsigned mode)
{
	return e->modes == 0 || mode == 0 || (e->modes & mode) != 0;
}

int
keys_lookup(const keys_entry *t, int n, unsigned mode, bool is_fkey, wint_t key)
{
	for (int i = 0; i < n; i++)
	{
		if (!in_mode(&t[i], mode))
			continue;
		for (int k = 0; k < KEYS_BIND_MAX && t[i].bind[k].ch; k++)
			if (t[i].bind[k].fkey == is_fkey && t[i].bind[k].ch == key)
				return t[i].cmd;
	}
	return 0;
}

const keys_entry *
keys_find(const keys_entry *t, int n, unsigned mode, int cmd)
{
	for (int i = 0; i < n; i++)
		if (t[i].cmd == cmd && in_mode(&t[i], mode))
			return &t[i];
	return NULL;
}

int
keys_bar_items(const keys_entry *t, int n, unsigned mode,
			   bool (*shown) (const keys_entry *e, void *arg), void *arg,
			   keybar_item *items)
{
	int			m = 0;

	for (int i = 0; i < n; i++)
	{
		if (!t[i].bar_key || !in_mode(&t[i], mode))
			continue;
		if (shown && !shown(&t[i], arg))
			continue;
		items[m].key = _(t[i].bar_key);
		items[m].label = _(t[i].bar_label);
		items[m].action = t[i].action;
		items[m].optional = t[i].bar_optional;
		m++;
	}
	return m;
}

char *
keys_names(const keys_entry *e)
{
	const keys_bind *b = e->bind;
	strbuf		sb;

	strbuf_init(&sb);
	for (int i = 0; i < KEYS_BIND_MAX && b[i].ch; i++)
	{
		if (b[i].alias)
			continue;
		if (sb.len > 0)
			strbuf_append(&sb, " ");
		if (b[i].fkey && b[i].ch >= KEY_F(1) && b[i].ch <= KEY_F(12))
			strbuf_appendf(&sb, "F%d", (int) (b[i].ch - KEY_F0));
		else if (b[i].fkey && b[i].ch == KEY_UP)
			strbuf_append(&sb, _("Up"));
		else if (b[i].fkey && b[i].ch == KEY_DOWN)
			strbuf_append(&sb, _("Down"));
		else if (!b[i].fkey && b[i].ch == ' ')
			strbuf_append(&sb, _("Space"));
		else
			strbuf_appendf(&sb, "%lc", (wint_t) b[i].ch);
	}
	return strbuf_detach(&sb);
}
