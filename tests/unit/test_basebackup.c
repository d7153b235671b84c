/*
 * test_basebackup.c: reading pg_basebackup -P's and pg_rewind
 * --progress's progress lines (src/formats/basebackup.c).
 *
 * The samples of 15, 17 and 18 were captured from those programs
 * (Debian's 15, the client programs 17.5 and 18.0 that fetch-pg.sh gets)
 * copying servers 10, 15 and 18 with standard error a pipe, as under a
 * transport, with and without -v, in English and with LANG=fr_FR.UTF-8.
 * Clients 10 to 14 are not available here: their lines are written from
 * their sources' format strings (10 to 12 end every line in \r, which the
 * caller splits on; the text is the same).
 */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <stdio.h>

#include "basebackup.h"
#include "clone_auto.h"

typedef struct sample {
	const char *line;
	long long	done_kb,
				total_kb;
	int			ts_done,
				ts_total;
} sample;

static const sample progress_lines[] = {
	/* 15 copying 10, -v (file name padded, in parentheses) */
	{"    0/23431 kB (0%), 0/1 tablespace (bb/backup_label                    )", 0, 23431, 0, 1},
	{"23441/23441 kB (100%), 0/1 tablespace                                         ", 23441, 23441, 0, 1},
	{"23441/23441 kB (100%), 1/1 tablespace                                         ", 23441, 23441, 1, 1},
	/* 15 copying 15, without -v */
	{"42986/42986 kB (100%), 1/1 tablespace", 42986, 42986, 1, 1},
	/* 17 copying 10 and 15 */
	{" 3060/23431 kB (13%), 0/1 tablespace", 3060, 23431, 0, 1},
	{"15833/23431 kB (67%), 0/1 tablespace (bb/base/12944/2606_fsm             )", 15833, 23431, 0, 1},
	{"35519/42976 kB (82%), 0/1 tablespace", 35519, 42976, 0, 1},
	/* 18 copying 18 */
	{"10359/23472 kB (44%), 0/1 tablespace (bb/base/4/3456                     )", 10359, 23472, 0, 1},
	{"23482/23482 kB (100%), 1/1 tablespace                                         ", 23482, 23482, 1, 1},
	/* 15 in French (pg_basebackup-15.mo: "Ko") */
	{"28364/42976 Ko (65%), 0/1 tablespace (bb/base/4/2602_fsm                 )", 28364, 42976, 0, 1},
	{"42986/42986 Ko (100%), 1/1 tablespace                                         ", 42986, 42986, 1, 1},
	/* a catalogue that writes "(65 %)", and another unit word */
	{"28364/42976 Ko (65 %), 0/1 tablespace", 28364, 42976, 0, 1},
	{"  512/1024 КБ (50%), 0/1 табличное пространство", 512, 1024, 0, 1},
	/* several tablespaces (the plural), a long path cut with "..." (-v) */
	{"754321/1234567 kB (61%), 1/3 tablespaces (...ata/base/16384/16397.1)", 754321, 1234567, 1, 3},
	/* 10 to 12: the same text, the \r already split off */
	{"  1024/755000 kB (0%), 0/1 tablespace (/var/lib/postgresql/10/main/b)", 1024, 755000, 0, 1},
	/* a copy larger than its estimate: done past total is passed on as is */
	{"800100/800000 kB (100%), 0/1 tablespace", 800100, 800000, 0, 1},
	/* several terabytes */
	{"21474836480/21474836480 kB (100%), 2/2 tablespaces", 21474836480LL, 21474836480LL, 2, 2},
};

static const char *const other_lines[] = {
	"",
	"waiting for checkpoint",
	"pg_basebackup: initiating base backup, waiting for checkpoint to complete",
	"pg_basebackup: write-ahead log start point: 0/2000028 on timeline 1",
	"0/2000028 on timeline 1",
	"pg_basebackup: created temporary replication slot \"pg_basebackup_19894\"",
	"pg_basebackup: point de départ du journal de transactions : 0/C000028 sur la timeline 1",
	"pg_basebackup: error: could not connect to server: 10/20 kB (x)",
	"10/20 kB",
	"10/20 kB (",
	"10/20 (50%)",
	"/20 kB (50%)",
	"10/ kB (50%)",
	"10/20kB (50%)",
	"99999999999999999999/1 kB (1%)",
};

/*
 * pg_rewind --progress, captured whole (standard error a pipe, as under a
 * transport) from pg_rewind 15 (Debian's; also with LANG=fr_FR.UTF-8),
 * 17.5 and 18.0 (fetch-pg.sh --client) rewinding servers 15, 17.10 and
 * 18.4 of the fixture after a promotion, about 330 MB to copy.  pg_rewind
 * 13, 14 and 16 are not available here; their progress_report() prints the
 * same format string ("%*s/%s kB (%d%%) copied"), as do 10 to 12, whose
 * lines end in \r on a terminal only.
 */
static const char rewind_15[] =
"pg_rewind: connected to server\n"
"pg_rewind: servers diverged at WAL location 0/30000A0 on timeline 1\n"
"pg_rewind: rewinding from last common checkpoint at 0/3000028 on timeline 1\n"
"pg_rewind: reading source file list\n"
"pg_rewind: reading target file list\n"
"pg_rewind: reading WAL in target\n"
"pg_rewind: need to copy 329 MB (total source directory size is 348 MB)\n"
"     0/337665 kB (0%) copied\n"
" 48796/337665 kB (14%) copied\n"
"123548/337665 kB (36%) copied\n"
"207553/337665 kB (61%) copied\n"
"285377/337665 kB (84%) copied\n"
"337665/337665 kB (100%) copied\n"
"pg_rewind: creating backup label and updating control file\n"
"pg_rewind: syncing target data directory\n"
"pg_rewind: Done!\n";

static const char rewind_15_fr[] =
"pg_rewind: connect\u00e9 au serveur\n"
"pg_rewind: les serveurs ont diverg\u00e9 \u00e0 la position 0/30000A0 des WAL sur la timeline 1\n"
"pg_rewind: retour en arri\u00e8re depuis le dernier checkpoint commun \u00e0 0/3000028 sur la ligne de temps 1\n"
"pg_rewind: lecture de la liste des fichiers sources\n"
"pg_rewind: lecture de la liste des fichiers cibles\n"
"pg_rewind: lecture du WAL dans la cible\n"
"pg_rewind: a besoin de copier 329 Mo (la taille totale du r\u00e9pertoire source est 348 Mo)\n"
"     0/337665 Ko (0%) copi\u00e9s\n"
" 38556/337665 Ko (11%) copi\u00e9s\n"
"153244/337665 Ko (45%) copi\u00e9s\n"
"259777/337665 Ko (76%) copi\u00e9s\n"
"337665/337665 Ko (100%) copi\u00e9s\n"
"pg_rewind: cr\u00e9ation du fichier backup_label et mise \u00e0 jour du fichier contr\u00f4le\n"
"pg_rewind: synchronisation du r\u00e9pertoire des donn\u00e9es cible\n"
"pg_rewind: Termin\u00e9 !\n";

static const char rewind_17[] =
"pg_rewind: connected to server\n"
"pg_rewind: servers diverged at WAL location 0/30000A0 on timeline 1\n"
"pg_rewind: rewinding from last common checkpoint at 0/3000028 on timeline 1\n"
"pg_rewind: reading source file list\n"
"pg_rewind: reading target file list\n"
"pg_rewind: reading WAL in target\n"
"pg_rewind: need to copy 329 MB (total source directory size is 348 MB)\n"
"     0/337692 kB (0%) copied\n"
"108189/337692 kB (32%) copied\n"
"195229/337692 kB (57%) copied\n"
"263876/337692 kB (78%) copied\n"
"320196/337692 kB (94%) copied\n"
"337692/337692 kB (100%) copied\n"
"pg_rewind: creating backup label and updating control file\n"
"pg_rewind: syncing target data directory\n"
"pg_rewind: Done!\n";

static const char rewind_18[] =
"pg_rewind: connected to server\n"
"pg_rewind: servers diverged at WAL location 0/30000A0 on timeline 1\n"
"pg_rewind: rewinding from last common checkpoint at 0/3000028 on timeline 1\n"
"pg_rewind: reading source file list\n"
"pg_rewind: reading target file list\n"
"pg_rewind: reading WAL in target\n"
"pg_rewind: need to copy 329 MB (total source directory size is 348 MB)\n"
"     0/337669 kB (0%) copied\n"
" 62109/337669 kB (18%) copied\n"
"115357/337669 kB (34%) copied\n"
"218821/337669 kB (64%) copied\n"
"337669/337669 kB (100%) copied\n"
"pg_rewind: creating backup label and updating control file\n"
"pg_rewind: syncing target data directory\n"
"pg_rewind: Done!\n";

/* What a whole pg_rewind output gives, line by line. */
typedef struct rewind_seen
{
	int			lines;			/* every line */
	int			progress;		/* progress lines among them */
	long long	done[16];
	long long	total;
	int			bad_total;		/* a progress line with another total */
	char		first_other[160];
	char		last_other[160];
} rewind_seen;

static void
rewind_line(void *arg, const char *line)
{
	rewind_seen *r = arg;
	long long	done,
				total;

	r->lines++;
	if (basebackup_parse_rewind_progress(line, &done, &total))
	{
		if (r->progress < 16)
			r->done[r->progress] = done;
		if (r->progress > 0 && total != r->total)
			r->bad_total++;
		r->total = total;
		r->progress++;
		return;
	}
	if (!r->first_other[0])
		snprintf(r->first_other, sizeof(r->first_other), "%s", line);
	snprintf(r->last_other, sizeof(r->last_other), "%s", line);
}

/* text fed in pieces of `piece` bytes, as a transport may hand it over */
static void
feed(const char *text, size_t piece, rewind_seen *r)
{
	strbuf		partial;
	size_t		len = strlen(text);

	memset(r, 0, sizeof(*r));
	strbuf_init(&partial);
	for (size_t i = 0; i < len; i += piece)
		basebackup_lines_feed(&partial, text + i, len - i < piece ? len - i : piece, rewind_line, r);
	basebackup_lines_flush(&partial, rewind_line, r);
	strbuf_free(&partial);
}

static void
test_rewind_outputs(void **state)
{
	static const struct
	{
		const char *text;
		int			n;
		long long	second,
					total;
		const char *last_other;
	}			cases[] = {
		{rewind_15, 6, 48796, 337665, "pg_rewind: Done!"},
		{rewind_15_fr, 5, 38556, 337665, "pg_rewind: Termin\u00e9 !"},
		{rewind_17, 6, 108189, 337692, "pg_rewind: Done!"},
		{rewind_18, 5, 62109, 337669, "pg_rewind: Done!"},
	};

	(void) state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (size_t piece = 1; piece <= 4096; piece *= 7)
		{
			rewind_seen r;

			feed(cases[i].text, piece, &r);
			assert_int_equal(r.lines, 10 + cases[i].n);
			assert_int_equal(r.progress, cases[i].n);
			assert_int_equal(r.done[0], 0);
			assert_int_equal(r.done[1], cases[i].second);
			/* the last line is the whole copy */
			assert_int_equal(r.done[cases[i].n - 1], cases[i].total);
			assert_int_equal(r.total, cases[i].total);
			assert_int_equal(r.bad_total, 0);
			assert_string_equal(r.first_other, strncmp(cases[i].text, "pg_rewind: connect\u00e9", 20) == 0
								? "pg_rewind: connect\u00e9 au serveur" : "pg_rewind: connected to server");
			assert_string_equal(r.last_other, cases[i].last_other);
		}
}

/* a terminal's \r (pg_rewind 10 to 12 everywhere), and no final newline */
static void
test_rewind_carriage_returns(void **state)
{
	rewind_seen r;

	(void) state;
	feed("pg_rewind: need to copy 1 MB\n   0/1024 kB (0%) copied\r 512/1024 kB (50%) copied\r"
		 "1024/1024 kB (100%) copied\npg_rewind: Done!", 5, &r);
	assert_int_equal(r.progress, 3);
	assert_int_equal(r.done[1], 512);
	assert_int_equal(r.done[2], 1024);
	assert_int_equal(r.total, 1024);
	assert_string_equal(r.last_other, "pg_rewind: Done!");
}

/* neither pg_rewind's messages nor pg_basebackup's progress are pg_rewind's progress */
static void
test_rewind_other_lines(void **state)
{
	static const char *const not_progress[] = {
		"",
		"pg_rewind: need to copy 329 MB (total source directory size is 348 MB)",
		"pg_rewind: servers diverged at WAL location 0/30000A0 on timeline 1",
		"pg_rewind: error: could not fetch file 10/20 kB (x)",
		"23441/23441 kB (100%), 1/1 tablespace",
		"10/20 kB",
		"10/20kB (50%) copied",
		"/20 kB (50%) copied",
	};
	long long	done,
				total;

	(void) state;
	for (size_t i = 0; i < sizeof(not_progress) / sizeof(not_progress[0]); i++)
		if (basebackup_parse_rewind_progress(not_progress[i], &done, &total))
			fail_msg("read as pg_rewind's progress: \"%s\"", not_progress[i]);
	assert_true(basebackup_parse_rewind_progress("337665/337665 kB (100%) copied", &done, &total));
	assert_int_equal(done, 337665);
	assert_int_equal(total, 337665);
}

static void
test_progress_lines(void **state)
{
	(void) state;
	for (size_t i = 0; i < sizeof(progress_lines) / sizeof(progress_lines[0]); i++)
	{
		const sample *x = &progress_lines[i];
		basebackup_progress p;

		memset(&p, 0x55, sizeof(p));
		if (!basebackup_parse_progress(x->line, &p))
			fail_msg("not read as progress: \"%s\"", x->line);
		assert_int_equal(p.done_kb, x->done_kb);
		assert_int_equal(p.total_kb, x->total_kb);
		assert_int_equal(p.ts_done, x->ts_done);
		assert_int_equal(p.ts_total, x->ts_total);
	}
}

static void
test_other_lines(void **state)
{
	(void) state;
	for (size_t i = 0; i < sizeof(other_lines) / sizeof(other_lines[0]); i++)
	{
		basebackup_progress p;

		if (basebackup_parse_progress(other_lines[i], &p))
			fail_msg("read as progress: \"%s\"", other_lines[i]);
	}
}

/*
 * The figures are the copy's kB, never the tablespace counter that follows
 * ("1/1 tablespace" once the copy is over).
 */
static void
test_last_line_is_the_copy(void **state)
{
	basebackup_progress p;

	(void) state;
	assert_true(basebackup_parse_progress("755012/755012 kB (100%), 1/1 tablespace", &p));
	assert_int_equal(p.done_kb * 1024, 755012LL * 1024);
	assert_int_equal(p.total_kb, 755012);
	assert_int_equal(p.ts_done, 1);
}

/* --max-rate as pg_basebackup takes it, in kB/s */
static void
test_rate(void **state)
{
	static const char *const bad[] = {
		"", "M", "10MB", "10 M", "-1", "31", "31k", "1025M", "1048577", "10G", "1.5M",
		"99999999999999999999",
	};
	long long	kb = 0;

	(void) state;
	assert_true(basebackup_parse_rate("10M", &kb));
	assert_int_equal(kb, 10240);
	assert_true(basebackup_parse_rate("32k", &kb));
	assert_int_equal(kb, 32);
	assert_true(basebackup_parse_rate("2048", &kb));
	assert_int_equal(kb, 2048);
	assert_true(basebackup_parse_rate("1024M", &kb));
	assert_int_equal(kb, 1048576);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (basebackup_parse_rate(bad[i], &kb))
			fail_msg("accepted as a rate: \"%s\"", bad[i]);
}

/* clone_compression, and the --compress value it gives pg_basebackup */
static void
test_compression(void **state)
{
	static const char *const bad[] = {"", "on", "gzip", "lz4:1", "zstd:", "zstd:0", "zstd:23", "zstd:3x", "ZSTD"};
	basebackup_compression m;
	int			level;
	char	   *arg;

	(void) state;
	assert_true(basebackup_parse_compression("auto", &m, &level));
	assert_int_equal(m, BB_COMPRESS_AUTO);
	assert_true(basebackup_parse_compression("off", &m, &level));
	assert_int_equal(m, BB_COMPRESS_OFF);
	assert_true(basebackup_parse_compression("lz4", &m, &level));
	assert_int_equal(m, BB_COMPRESS_LZ4);
	arg = basebackup_compress_arg(m, level);
	assert_string_equal(arg, "--compress=server-lz4");
	free(arg);
	assert_true(basebackup_parse_compression("zstd:3", &m, &level));
	assert_int_equal(m, BB_COMPRESS_ZSTD);
	assert_int_equal(level, 3);
	arg = basebackup_compress_arg(m, level);
	assert_string_equal(arg, "--compress=server-zstd:level=3");
	free(arg);
	assert_true(basebackup_parse_compression("zstd", &m, &level));
	assert_int_equal(level, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (basebackup_parse_compression(bad[i], &m, &level))
			fail_msg("accepted as a compression: \"%s\"", bad[i]);
}

/* clone_compression = auto: the choice for a measured rate */
static void
test_auto_choice(void **state)
{
	const double mb = 1024.0 * 1024;
	basebackup_compression m;
	int			level;

	(void) state;
	/* not measured, or a LAN: never compressed */
	clone_auto_choose(0, true, true, &m, &level);
	assert_int_equal(m, BB_COMPRESS_OFF);
	clone_auto_choose(-1, true, true, &m, &level);
	assert_int_equal(m, BB_COMPRESS_OFF);
	clone_auto_choose(400 * mb, true, true, &m, &level);
	assert_int_equal(m, BB_COMPRESS_OFF);
	clone_auto_choose(CLONE_AUTO_FAST, true, true, &m, &level);
	assert_int_equal(m, BB_COMPRESS_OFF);
	/* 100 Mbit/s (12.5 MB/s): lz4 */
	clone_auto_choose(12.5 * mb, true, true, &m, &level);
	assert_int_equal(m, BB_COMPRESS_LZ4);
	assert_int_equal(level, 0);
	clone_auto_choose(15 * mb, true, true, &m, &level);
	assert_int_equal(m, BB_COMPRESS_LZ4);
	/* a bridge measured low on a loaded host: still not compressed */
	clone_auto_choose(27 * mb, true, true, &m, &level);
	assert_int_equal(m, BB_COMPRESS_OFF);
	/* 20 Mbit/s (2.5 MB/s): zstd */
	clone_auto_choose(2.5 * mb, true, true, &m, &level);
	assert_int_equal(m, BB_COMPRESS_ZSTD);
	/* what the server was built with */
	clone_auto_choose(2.5 * mb, true, false, &m, &level);
	assert_int_equal(m, BB_COMPRESS_LZ4);
	clone_auto_choose(12.5 * mb, false, true, &m, &level);
	assert_int_equal(m, BB_COMPRESS_ZSTD);
	clone_auto_choose(2.5 * mb, false, false, &m, &level);
	assert_int_equal(m, BB_COMPRESS_OFF);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_progress_lines),
		cmocka_unit_test(test_rewind_outputs),
		cmocka_unit_test(test_rewind_carriage_returns),
		cmocka_unit_test(test_rewind_other_lines),
		cmocka_unit_test(test_other_lines),
		cmocka_unit_test(test_last_line_is_the_copy),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_compression),
		cmocka_unit_test(test_auto_choice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
