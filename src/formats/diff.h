/*
 * diff.h: unified diffs of two texts, as `diff -u` prints them, for the
 * previews of the plan steps ("what would change").
 *
 * Lines are compared byte for byte, their line feed included: a last line
 * without a line feed differs from the same text with one, and is followed
 * in the output by "\ No newline at end of file", so that patch(1) applies
 * the result exactly.  Changes are found with Myers' O(ND) algorithm in
 * linear space (a minimal edit script, as GNU diff finds; where several
 * are minimal, the two may choose differently).
 */
#ifndef PGR_DIFF_H
#define PGR_DIFF_H

#include <stdbool.h>

/*
 * The unified diff turning `old_text` into `new_text` (NULL is an empty
 * text): "--- old_label\n+++ new_label\n" (labels NULL: "a", "b") and
 * hunks "@@ -l,s +l,s @@" with `context_lines` lines of context (negative:
 * 0), changes less than 2 * context_lines + 1 lines apart sharing a hunk.
 * Returns a malloc'd string, "" (also malloc'd) when the texts are equal.
 */
char	   *diff_unified(const char *old_text, const char *new_text,
						 const char *old_label, const char *new_label,
						 int context_lines);

/* Whether two texts differ (cheap: no diff computed). */
bool		diff_texts_differ(const char *old_text, const char *new_text);

#endif
