/*
 * wiz_keys.c: the wizard's keys, every page's in one table (keys.h), with
 * the pages a row counts on as a mask: a page's key bar and the commands
 * its keys run are both read from here.  What a widget does with a key
 * (typing into a field, Tab between fields, Space on a choice, scrolling a
 * text) is the widget's; the rows with no key only name it in the bar.
 */
#include <config.h>

#include "i18n.h"
#include "screen.h"
#include "wiz_int.h"

#define FORMS (WIZ_KM_WELCOME | WIZ_KM_PRIMARY | WIZ_KM_STANDBYS | WIZ_KM_OPTIONS)
#define ENDED (WIZ_KM_FINISHED | WIZ_KM_FAILED)
#define ENTER KB_FK(KEY_ENTER), KB_CH('\r'), KB_CH('\n')

/* In the order of the key bars (keybar.h keeps the first and the last). */
static const keys_entry wiz_keys[] = {
	{WCMD_NEXT, {KB_FK(KEY_F(10))}, "F10", N_("Next"), NULL, false, false, FORMS},
	{WCMD_APPLY, {KB_FK(KEY_F(10)), ENTER}, "F10", N_("Apply"), NULL, false, false, WIZ_KM_REVIEW},
	{WCMD_FINISH, {KB_FK(KEY_F(10)), ENTER}, "F10", N_("Dashboard"), NULL, false, false, WIZ_KM_FINISHED},
	{WCMD_FINISH, {KB_FK(KEY_F(10)), ENTER}, "F10", N_("Review again"), NULL, false, false, WIZ_KM_FAILED},
	{WCMD_STEP_UP, {KB_FK(KEY_UP)}, N_("Up/Down"), N_("Step"), NULL, false, false, WIZ_KM_RUNNING},
	{WCMD_STEP_UP, {KB_FK(KEY_UP)}, NULL, NULL, NULL, false, false, ENDED},
	{WCMD_STEP_DOWN, {KB_FK(KEY_DOWN)}, NULL, NULL, NULL, false, false, WIZ_KM_RUNNING | ENDED},
	{WCMD_TEST, {KB_FK(KEY_F(5))}, "F5", N_("Test"), NULL, false, false, WIZ_KM_PRIMARY | WIZ_KM_STANDBYS},
	{WCMD_ADD, {KB_FK(KEY_F(2))}, "F2", N_("Add"), NULL, false, false, WIZ_KM_STANDBYS},
	{WCMD_REMOVE, {KB_FK(KEY_F(8))}, "F8", N_("Remove"), NULL, false, false, WIZ_KM_STANDBYS},
	{WCMD_OTHER_NEXT, {KB_FK(KEY_NPAGE)}, N_("PgDn"), N_("Other"), NULL, false, false, WIZ_KM_STANDBYS},
	{WCMD_OTHER_PREV, {KB_FK(KEY_PPAGE)}, NULL, NULL, NULL, false, false, WIZ_KM_STANDBYS},
	/* the widgets' keys, named in the bar only */
	{WCMD_NONE, {{0}}, N_("Space"), N_("Change"), NULL, false, false, WIZ_KM_OPTIONS},
	{WCMD_NONE, {{0}}, N_("Tab"), N_("Field"), NULL, false, false, WIZ_KM_WELCOME | WIZ_KM_PRIMARY | WIZ_KM_OPTIONS},
	{WCMD_NONE, {{0}}, N_("PgDn"), N_("Scroll"), NULL, false, false, WIZ_KM_REVIEW},
	{WCMD_LOG, {KB_FK(KEY_F(3)), KB_CH_ALIAS('l')}, "F3", N_("Log"), NULL, false, false, WIZ_KM_RUNNING | ENDED},
	{WCMD_BACK, {KB_CH(27)}, N_("Esc"), N_("Back"), NULL, false, false, FORMS | WIZ_KM_REVIEW | ENDED},
	{WCMD_QUIT, {KB_FK(KEY_F(9))}, "F9", N_("Quit"), NULL, false, false, 0},
};

#define N_WIZ_KEYS ((int) (sizeof(wiz_keys) / sizeof(wiz_keys[0])))

wiz_cmd
wiz_key_cmd(unsigned mode, const screen_event *ev)
{
	return (wiz_cmd) keys_lookup(wiz_keys, N_WIZ_KEYS, mode, ev->is_fkey, ev->key);
}

void
wiz_keybar(unsigned mode)
{
	keybar_item items[N_WIZ_KEYS];
	int			n = keys_bar_items(wiz_keys, N_WIZ_KEYS, mode, NULL, NULL, items);

	screen_keybar(items, n);
}
