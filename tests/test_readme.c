/* The README's text frame is what `bntutor render` prints today: the command named above the frame is run
 * and its output compared with the indented block, line by line. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/check.h"

/* The render arguments named in "(`bntutor render ARGS`" and the indented block after that line. */
static bool readme_frame(const char *readme, char *args, size_t args_size, char **frame)
{
    static const char marker[] = "(`bntutor render ";
    const char *at = strstr(readme, marker);
    if (!at)
        return false;
    at += sizeof marker - 1;
    const char *tick = strchr(at, '`');
    if (!tick || (size_t)(tick - at) >= args_size)
        return false;
    memcpy(args, at, (size_t)(tick - at));
    args[tick - at] = '\0';
    /* The block: from the first line indented by four spaces to the first non-blank line that is not. */
    const char *p = strchr(tick, '\n');
    while (p && strncmp(p + 1, "    ", 4) != 0)
        p = strchr(p + 1, '\n');
    if (!p)
        return false;
    p++;
    size_t cap = strlen(p) + 1, len = 0;
    char *out = malloc(cap);
    cr_assert_not_null(out);
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        bool blank = strspn(p, " ") >= n;
        if (!blank && strncmp(p, "    ", 4) != 0)
            break;
        if (!blank) {
            memcpy(out + len, p + 4, n - 4);
            len += n - 4;
        }
        out[len++] = '\n';
        p += n + (end ? 1 : 0);
    }
    while (len > 0 && out[len - 1] == '\n')
        len--;
    out[len] = '\0';
    *frame = out;
    return true;
}

static void trim_line_ends(char *text)
{
    char *w = text;
    for (char *r = text; *r; r++) {
        if (*r == '\n')
            while (w > text && w[-1] == ' ')
                w--;
        *w++ = *r;
    }
    while (w > text && (w[-1] == ' ' || w[-1] == '\n'))
        w--;
    *w = '\0';
}

Test(readme, the_text_frame_is_the_current_render_output)
{
    const char *bin = getenv("BNTUTOR_BIN");
    cr_assert(bin && *bin, "BNTUTOR_BIN must name the binary");
    char *readme = check_read_file("README.md", NULL);
    cr_assert_not_null(readme, "README.md is missing");
    char args[256], *frame = NULL;
    cr_assert(readme_frame(readme, args, sizeof args, &frame),
              "README.md has no \"(`bntutor render ...`\" followed by an indented frame");
    cr_assert_null(strpbrk(args, "'\";|&$<>`"), "unexpected characters in the README's command: %s", args);
    char out_path[] = "/tmp/bntutor-test-readme.XXXXXX";
    int fd = mkstemp(out_path);
    cr_assert(fd >= 0);
    close(fd);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "LC_ALL=C.UTF-8 BNTUTOR_LESSONS=lessons '%s' render %s > %s", bin, args, out_path);
    int status = system(cmd);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "'%s' failed", cmd);
    char *rendered = check_read_file(out_path, NULL);
    unlink(out_path);
    cr_assert_not_null(rendered);
    trim_line_ends(rendered);
    trim_line_ends(frame);
    const char *a = frame, *b = rendered;
    for (int line = 1; *a || *b; line++) {
        size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
        cr_assert(la == lb && strncmp(a, b, la) == 0,
                  "README.md's frame differs from 'bntutor render %s' at line %d (paste the new output):\n"
                  "  README: \"%.*s\"\n  render: \"%.*s\"", args, line, (int)la, a, (int)lb, b);
        a += la + (a[la] ? 1 : 0);
        b += lb + (b[lb] ? 1 : 0);
    }
    free(rendered);
    free(frame);
    free(readme);
}
