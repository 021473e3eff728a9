/* Tests of the terminal-text sanitizer: controls and hidden bidi/format characters never pass raw, everything else does. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/termtext.h"
#include "view/canvas.h"
#include "view/unicode.h"

static const char *clean(const char *text)
{
    static char buf[512];
    return termtext_clean(text, buf, sizeof buf, 0);
}

Test(termtext, plain_text_and_ordinary_unicode_pass_unchanged)
{
    const char *text = "lesson 3: x\xcc\x82 \xce\xb3 \xe2\x86\x92 \xe4\xb8\xad \xf0\x9f\x98\x80 tab\there";
    cr_assert_str_eq(clean(text), text);
    cr_assert(termtext_is_clean(text, 0));
}

Test(termtext, escape_and_bell_are_spelled_out_so_no_title_changes)
{
    cr_assert_str_eq(clean("a\033]0;PWNED\007b"), "a\\x1B]0;PWNED\\x07b");
    cr_assert_str_eq(clean("del\177"), "del\\x7F");
    cr_assert_str_eq(clean("csi\xc2\x9b" "2J"), "csi<U+009B>2J", "a C1 control in UTF-8 is one too");
    cr_assert_str_eq(clean("two\nlines"), "two\\x0Alines");
    char buf[64];
    cr_assert_str_eq(termtext_clean("two\nlines", buf, sizeof buf, TERMTEXT_KEEP_NEWLINE), "two\nlines");
    cr_assert_not(termtext_is_clean("a\033b", 0));
}

Test(termtext, every_hidden_bidi_and_format_character_is_named)
{
    static const struct { const char *raw, *shown; } cases[] = {
        { "\xe2\x80\xae", "<U+202E>" }, { "\xe2\x80\xaa", "<U+202A>" }, { "\xe2\x81\xa6", "<U+2066>" },
        { "\xe2\x81\xa9", "<U+2069>" }, { "\xd8\x9c", "<U+061C>" },     { "\xe2\x80\xa8", "<U+2028>" },
        { "\xe2\x80\xa9", "<U+2029>" }, { "\xc2\xad", "<U+00AD>" },     { "\xf3\xa0\x80\x81", "<U+E0001>" },
        { "\xf3\xa0\x81\xbf", "<U+E007F>" }, { "\xe2\x80\x8f", "<U+200F>" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_assert_str_eq(clean(cases[i].raw), cases[i].shown, "case %zu", i);
        uint32_t cp;
        termtext_decode(cases[i].raw, &cp);
        cr_assert(termtext_is_hidden(cp), "U+%04X", (unsigned)cp);
        cr_assert_eq(unicode_width(cp), 0, "the canvas drops U+%04X", (unsigned)cp);
    }
    cr_assert_not(termtext_is_hidden(0x200D), "the zero-width joiner of emoji sequences is not hidden text");
}

Test(termtext, invalid_utf8_becomes_visible_bytes_and_a_short_buffer_cuts_at_a_boundary)
{
    cr_assert_str_eq(clean("a\xff\xc3("), "a\\xFF\\xC3(");
    char small[6];
    termtext_clean("abc\033def", small, sizeof small, 0);
    cr_assert_str_eq(small, "abc", "an escape that does not fit is left out whole");
    termtext_clean("ab\xce\xb3\xce\xb3\xce\xb3", small, sizeof small, 0);
    cr_assert_str_eq(small, "ab\xce\xb3", "never half a character");
    char *dup = termtext_dup("\xf3\xa0\x80\x81\xf3\xa0\x80\x81", 0);
    cr_assert_str_eq(dup, "<U+E0001><U+E0001>", "a new string is always long enough");
    free(dup);
}

Test(termtext, error_messages_are_cleaned_where_and_what)
{
    BnError err = { 0 };
    error_set_at(&err, "x\033]0;T\007.rec", 3, "unknown key '\033[31m\xe2\x80\xae'");
    char buf[1200];
    cr_assert_str_eq(error_format(&err, buf, sizeof buf), "x\\x1B]0;T\\x07.rec:3: unknown key '\\x1B[31m<U+202E>'");
}

Test(termtext, the_canvas_draws_the_text_without_the_hidden_characters)
{
    Canvas *c = canvas_create(20, 1, RASTER_ASCII, true);
    canvas_text(c, 0, 0, "a\xe2\x81\xa6" "b\xc2\xad" "c\xf3\xa0\x80\x81" "d\xe2\x80\xa8" "e", ROLE_DEFAULT, 0, -1);
    char *text = canvas_dump(c, false);
    cr_assert(strncmp(text, "abcde", 5) == 0 && (text[5] == '\0' || text[5] == ' ' || text[5] == '\n'),
              "got '%s'", text);
    free(text);
    canvas_destroy(c);
}
