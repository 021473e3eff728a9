/* Opening files someone else may control: regular files open, FIFOs, devices, folders and (with O_NOFOLLOW) links are refused at once. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file.h"

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/bntutor-file-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        cr_log_warn("could not remove %s", dir);
}

TestSuite(file, .init = make_dir, .fini = remove_dir, .timeout = 20);

static const char *in_dir(const char *name)
{
    static char path[2][256];
    static int which;
    which ^= 1;
    snprintf(path[which], sizeof path[which], "%s/%s", dir, name);
    return path[which];
}

static void expect_refused(const char *path, int flags, const char *message)
{
    BnError err = { 0 };
    int fd = file_open_regular(path, flags, 0600, NULL, &err);
    cr_assert_eq(fd, -1, "%s should be refused", path);
    cr_assert(err.set);
    cr_assert_str_eq(err.where, path);
    cr_assert_str_eq(err.message, message, "%s: message", path);
}

Test(file, a_regular_file_opens_blocking_and_reports_its_stat)
{
    FILE *f = fopen(in_dir("plain"), "w");
    cr_assert_not_null(f);
    fputs("hello", f);
    fclose(f);
    BnError err = { 0 };
    struct stat st;
    int fd = file_open_regular(in_dir("plain"), O_RDONLY, 0, &st, &err);
    cr_assert_geq(fd, 0, "%s", err.message);
    cr_assert_eq(st.st_size, 5);
    cr_assert_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, 0, "O_NONBLOCK should be cleared again");
    cr_assert_neq(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0, "the descriptor should close on exec");
    close(fd);
    FILE *s = file_fopen_regular(in_dir("plain"), NULL, &err);
    cr_assert_not_null(s);
    char buf[8] = "";
    cr_assert_eq(fread(buf, 1, sizeof buf, s), 5u);
    cr_assert_str_eq(buf, "hello");
    fclose(s);
}

Test(file, a_fifo_without_a_writer_is_refused_at_once_for_reading_and_writing)
{
    cr_assert_eq(mkfifo(in_dir("pipe"), 0600), 0);
    expect_refused(in_dir("pipe"), O_RDONLY, "not a regular file");
    expect_refused(in_dir("pipe"), O_WRONLY, "not a regular file");
    expect_refused(in_dir("pipe"), O_WRONLY | O_CREAT, "not a regular file");
    BnError err = { 0 };
    cr_assert_null(file_fopen_regular(in_dir("pipe"), NULL, &err));
    cr_assert_str_eq(err.message, "not a regular file");
}

Test(file, a_device_a_folder_and_a_missing_file_are_refused_with_their_reason)
{
    expect_refused("/dev/null", O_RDONLY, "not a regular file");
    cr_assert_eq(symlink("/dev/zero", in_dir("zero")), 0);
    expect_refused(in_dir("zero"), O_RDONLY, "not a regular file");
    expect_refused(dir, O_RDONLY, "is a directory, not a file");
    expect_refused(in_dir("missing"), O_RDONLY, "cannot open: No such file or directory");
}

Test(file, o_nofollow_refuses_a_symbolic_link_even_to_a_regular_file)
{
    FILE *f = fopen(in_dir("target"), "w");
    cr_assert_not_null(f);
    fclose(f);
    cr_assert_eq(symlink(in_dir("target"), in_dir("link")), 0);
    expect_refused(in_dir("link"), O_RDONLY | O_NOFOLLOW, "is a symbolic link (refused)");
    /* O_CREAT|O_EXCL never follows a link, dangling or not, and never truncates its target. */
    cr_assert_eq(symlink(in_dir("nowhere"), in_dir("dangling")), 0);
    BnError err = { 0 };
    cr_assert_eq(file_open_regular(in_dir("dangling"), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600, NULL, &err), -1);
    struct stat st;
    cr_assert_neq(lstat(in_dir("nowhere"), &st), 0, "the link's target must not be created");
    /* Without O_NOFOLLOW a link to a regular file is fine (lesson folders may hold links). */
    error_clear(&err);
    int fd = file_open_regular(in_dir("link"), O_RDONLY, 0, NULL, &err);
    cr_assert_geq(fd, 0, "%s", err.message);
    close(fd);
}

Test(file, o_creat_makes_a_new_file_with_the_mode_asked)
{
    BnError err = { 0 };
    mode_t old = umask(022);
    struct stat st;
    int fd = file_open_regular(in_dir("new"), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600, &st, &err);
    umask(old);
    cr_assert_geq(fd, 0, "%s", err.message);
    close(fd);
    cr_assert_eq(st.st_mode & 07777, 0600);
    expect_refused(in_dir("new"), O_WRONLY | O_CREAT | O_EXCL, "cannot open: File exists");
}
