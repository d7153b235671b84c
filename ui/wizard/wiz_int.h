/*
 * wiz_int.h: what the wizard's pages share (not for use outside ui/wiz*).
 */
#ifndef PGR_UI_WIZ_INT_H
#define PGR_UI_WIZ_INT_H

#include <stdbool.h>

#include "cluster.h"
#include "globals.h"
#include "form.h"
#include "keys.h"
#include "plan.h"
#include "setup_steps.h"
#include "screen.h"
#include "transport.h"

/* What a page asks the wizard to do next. */
typedef enum wiz_go {
	WIZ_NEXT,
	WIZ_BACK,
	WIZ_QUIT,
	WIZ_DONE					/* the set-up ended: on to the dashboard */
} wiz_go;

/* A node as typed (every field as text, checked when left). */
typedef struct wiz_node {
	char	   *name;
	char	   *host;
	char	   *port;
	char	   *dbuser;
	char	   *ssh;
	char	   *pgdata;
	char	   *bindir;
} wiz_node;

enum
{
	SSL_NEW_CA,
	SSL_OWN_FILES,
	SSL_OFF
};

typedef struct wizard {
	const pgr_globals *g;
	char	   *cluster_path;
	char	   *cluster_text;	/* the file being reopened: its layout kept */
	cluster    *orig;			/* that file as read: the settings of its
								 * nodes the pages do not show (become,
								 * service, dbname...) are kept */
	char	   *cluster_name;
	wiz_node	primary;
	char	   *su_password;	/* secret: memory only (pgconn_set_password) */
	wiz_node   *standbys;
	int			n_standbys;
	int			cur_standby;
	char	   *repl_user;
	bool		repl_generate;
	char	   *repl_password;	/* secret */
	bool		slots;
	int			ssl_mode;
	char	   *ssl_ca;
	char	   *ssl_cert;
	char	   *ssl_key;
	bool		sync;
	char	   *archive_command;
	transport_options topts;

	/* built for the review, applied as reviewed */
	cluster    *cl;
	session   *ctx;
	plan	   *plan;
	bool		resuming;
	bool		applied;
	int			page;			/* for the counter */
} wizard;

#define WIZ_PAGES 7

/*
 * The wizard's keys: one table (wiz_keys.c) for every page; a row counts
 * on the pages of its mask.
 */
#define WIZ_KM_WELCOME (1u << 0)
#define WIZ_KM_PRIMARY (1u << 1)
#define WIZ_KM_STANDBYS (1u << 2)
#define WIZ_KM_OPTIONS (1u << 3)
#define WIZ_KM_REVIEW (1u << 4)
#define WIZ_KM_RUNNING (1u << 5)	/* the apply page while the plan runs */
#define WIZ_KM_FINISHED (1u << 6)	/* ... once it ran */
#define WIZ_KM_FAILED (1u << 7)	/* ... once it failed */

typedef enum wiz_cmd {
	WCMD_NONE,					/* not a page's key: the widget's */
	WCMD_NEXT,
	WCMD_APPLY,
	WCMD_FINISH,				/* on to the dashboard, or review again */
	WCMD_STEP_UP,
	WCMD_STEP_DOWN,
	WCMD_TEST,
	WCMD_ADD,
	WCMD_REMOVE,
	WCMD_OTHER_NEXT,
	WCMD_OTHER_PREV,
	WCMD_LOG,
	WCMD_BACK,
	WCMD_QUIT
} wiz_cmd;

/* The command a key runs on the page MODE (WCMD_NONE: the widget's). */
wiz_cmd		wiz_key_cmd(unsigned mode, const screen_event *ev);
/* The key bar of the page MODE. */
void		wiz_keybar(unsigned mode);

/* A form page: the frame, an introduction, the form, the key bar. */
typedef struct wiz_form_page {
	const char *title;
	const char *intro;			/* may be NULL */
	const char *status;			/* a line under the intro; may be NULL */
	form	   *f;
	unsigned	mode;			/* WIZ_KM_*: its keys */
	/*
	 * The page's own commands (F5, F2...) and its buttons (NULL: none);
	 * KEYS_QUIT leaves the page for pg->go (and pg->cmd says which
	 * command left it).
	 */
	keys_result (*on_cmd) (wizard *wz, struct wiz_form_page *pg, wiz_cmd cmd);
	keys_result (*on_press) (wizard *wz, struct wiz_form_page *pg, form_item *it);
	wiz_go		go;
	wiz_cmd		cmd;
	void	   *arg;
} wiz_form_page;

wiz_go		wiz_run_form(wizard *wz, wiz_form_page *pg);
/* Next (after checking every field), Back, Quit; else the page's on_cmd. */
keys_result wiz_form_cmd(wizard *wz, wiz_form_page *pg, wiz_cmd cmd);
char	   *wiz_counter(const wizard *wz);
bool		wiz_confirm_quit(void);
void		wiz_set(char **dst, const char *src);
void		wiz_take(char **dst, form *f, int id);

/* Checks shared by the pages: NULL when fine, else a translated message
 * and *hint. */
const char *wiz_check_name(const char *v, const char **hint);
const char *wiz_check_host(const char *v, const char **hint);
const char *wiz_check_port(const char *v, const char **hint);
const char *wiz_check_nonempty(const char *v, const char **hint);
const char *wiz_check_ssh(const char *v, const char **hint);
const char *wiz_check_abs_path(const char *v, bool optional, const char **hint);
const char *wiz_check_pgdata(const char *v, bool optional, const char **hint);

void		wiz_node_free(wiz_node *n);
void		wiz_node_defaults(wiz_node *n, const char *name, bool primary);

/* Pages. */
wiz_go		wiz_page_welcome(wizard *wz);
wiz_go		wiz_page_primary(wizard *wz);
wiz_go		wiz_page_standbys(wizard *wz);
wiz_go		wiz_page_options(wizard *wz);
wiz_go		wiz_page_review(wizard *wz);
wiz_go		wiz_page_apply(wizard *wz);

/* Fill the wizard from a cluster file's contents. */
void		wiz_from_cluster(wizard *wz, const cluster *c);
/* The cluster as typed, validated by the cluster file's own parser. */
cluster    *wiz_build_cluster(wizard *wz, pgr_error *err);
/* Forget the plan built for the review (the fields changed). */
void		wiz_drop_plan(wizard *wz);

#endif
