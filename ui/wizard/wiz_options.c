/*
 * wiz_options.c: the replication choices: the cluster's name, the
 * replication role and its password, slots, SSL, synchronous commit and
 * WAL archiving.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "report.h"
#include "wiz_int.h"

enum
{
	O_NAME,
	O_ROLE,
	O_PWMODE,
	O_PASSWORD,
	O_SLOTS,
	O_SSL,
	O_SSL_CA,
	O_SSL_CERT,
	O_SSL_KEY,
	O_SYNC,
	O_ARCHIVE,
	O_NEXT
};

/* Show the fields that the choices above them call for. */
static void
show_dependent(form *f)
{
	bool		typed = form_item_by_id(f, O_PWMODE)->choice == 1;
	bool		own = form_item_by_id(f, O_SSL)->choice == SSL_OWN_FILES;

	form_item_by_id(f, O_PASSWORD)->hidden = !typed;
	form_item_by_id(f, O_SSL_CA)->hidden = !own;
	form_item_by_id(f, O_SSL_CERT)->hidden = !own;
	form_item_by_id(f, O_SSL_KEY)->hidden = !own;
}

static void
options_check(void *arg, form *f, form_item *it)
{
	const char *msg = NULL,
			   *hint = NULL;
	char	   *v = NULL;

	show_dependent(f);
	if (it->kind == FORM_TEXT || it->kind == FORM_SECRET)
		v = field_text(&it->fld);
	switch (it->id)
	{
		case O_NAME:
			msg = wiz_check_name(v, &hint);
			break;
		case O_ROLE:
			msg = wiz_check_name(v, &hint);
			if (msg)
				hint = _("The role the standbys log in as to stream WAL (never a superuser), e.g. replicator.");
			break;
		case O_PASSWORD:
			if (strlen(v) < 8)
			{
				msg = _("this password is too short");
				hint = _("Use at least 8 characters, or let pgreplica generate one.");
			}
			break;
		case O_SSL_CA:
		case O_SSL_CERT:
		case O_SSL_KEY:
			msg = wiz_check_abs_path(v, false, &hint);
			if (msg)
				hint = _("Your own files, on this machine: the CA certificate, and the primary's certificate and key it signed.");
			break;
	}
	form_set_error(it, msg, hint);
	if (v)
	{
		if (it->kind == FORM_SECRET)
			pgr_free_secret(v);
		else
			free(v);
	}
}

static keys_result
options_press(wizard *wz, wiz_form_page *pg, form_item *it)
{
	show_dependent(pg->f);
	if (it->id == O_NEXT)
		return wiz_form_cmd(wz, pg, WCMD_NEXT);
	return KEYS_REDRAW;
}

wiz_go
wiz_page_options(wizard *wz)
{
	static const char *pwmodes[2];
	static const char *ssl[3];
	form		f;
	wiz_form_page pg = {0};
	wiz_go		go;
	form_item  *it;

	pwmodes[0] = _("generate a strong one");
	pwmodes[1] = _("type it");
	ssl[SSL_NEW_CA] = _("on, with a new CA made by pgreplica");
	ssl[SSL_OWN_FILES] = _("on, with my own certificate files");
	ssl[SSL_OFF] = _("off");
	form_init(&f, options_check, wz);
	form_add(&f, FORM_TEXT, O_NAME, _("Cluster name"), wz->cluster_name);
	form_add(&f, FORM_TEXT, O_ROLE, _("Replication role"), wz->repl_user);
	form_add_choice(&f, O_PWMODE, _("Its password"), pwmodes, 2, wz->repl_generate ? 0 : 1);
	form_add(&f, FORM_SECRET, O_PASSWORD, _("Password"), wz->repl_password);
	it = form_add(&f, FORM_CHECK, O_SLOTS, _("a replication slot per standby (the primary keeps the WAL a standby still needs)"), NULL);
	it->checked = wz->slots;
	form_add_choice(&f, O_SSL, _("SSL"), ssl, 3, wz->ssl_mode);
	form_add(&f, FORM_TEXT, O_SSL_CA, _("CA certificate"), wz->ssl_ca);
	form_add(&f, FORM_TEXT, O_SSL_CERT, _("Certificate"), wz->ssl_cert);
	form_add(&f, FORM_TEXT, O_SSL_KEY, _("Private key"), wz->ssl_key);
	it = form_add(&f, FORM_CHECK, O_SYNC, _("synchronous: a commit waits until a standby has it (safer; slower, and blocks when no standby answers)"), NULL);
	it->checked = wz->sync;
	form_add(&f, FORM_TEXT, O_ARCHIVE, _("archive_command"), wz->archive_command);
	form_add(&f, FORM_BUTTON, O_NEXT, _("Next"), NULL);
	show_dependent(&f);
	pg.title = _("Replication choices");
	pg.intro = _("How the standbys connect and what the primary keeps for them. Leave archive_command empty for no WAL archiving.");
	pg.f = &f;
	pg.mode = WIZ_KM_OPTIONS;
	pg.on_press = options_press;
	go = wiz_run_form(wz, &pg);
	wiz_take(&wz->cluster_name, &f, O_NAME);
	wiz_take(&wz->repl_user, &f, O_ROLE);
	wz->repl_generate = form_item_by_id(&f, O_PWMODE)->choice == 0;
	pgr_free_secret(wz->repl_password);
	wz->repl_password = form_text(&f, O_PASSWORD);
	wz->slots = form_item_by_id(&f, O_SLOTS)->checked;
	wz->ssl_mode = form_item_by_id(&f, O_SSL)->choice;
	wiz_take(&wz->ssl_ca, &f, O_SSL_CA);
	wiz_take(&wz->ssl_cert, &f, O_SSL_CERT);
	wiz_take(&wz->ssl_key, &f, O_SSL_KEY);
	wz->sync = form_item_by_id(&f, O_SYNC)->checked;
	wiz_take(&wz->archive_command, &f, O_ARCHIVE);
	form_free(&f);
	if (go != WIZ_QUIT)
		wiz_drop_plan(wz);
	return go;
}
