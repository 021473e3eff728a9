/* Tests for the image sources of lessons 11-14 (scene/imagesrc): Fashion-MNIST missing versus installed but
 * unreadable, and what the scenes then say. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/dataset.h"
#include "scene/imagesrc.h"

static const char *const idx_files[] = { "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz" };

/* A folder that looks installed: the four file names, with junk in them (never read in these tests unless
 * the test says so). Traversable by everyone, so an unprivileged child can reach it. */
static void fake_install(char *dir, size_t size)
{
    snprintf(dir, size, "/tmp/bntutor-imagesrc-XXXXXX");
    cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
    cr_assert_eq(chmod(dir, 0755), 0);
    for (size_t i = 0; i < sizeof idx_files / sizeof idx_files[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", dir, idx_files[i]);
        FILE *f = fopen(path, "w");
        cr_assert_not_null(f, "%s: %s", path, strerror(errno));
        fputs("not an IDX file", f);
        fclose(f);
    }
}

static void remove_install(const char *dir)
{
    for (size_t i = 0; i < sizeof idx_files / sizeof idx_files[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", dir, idx_files[i]);
        unlink(path);
    }
    rmdir(dir);
}

/* Loads "fashion-mnist" with BNTUTOR_FASHION_MNIST = dir in a child process, unprivileged (as nobody when
 * run as root, since root reads any file), and returns what the scene would show in `notice`. */
static void notice_as_unprivileged(const char *dir, char *notice, size_t size)
{
    int fd[2];
    cr_assert_eq(pipe(fd), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(fd[0]);
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(3);
        setenv("BNTUTOR_FASHION_MNIST", dir, 1);
        ImageSource src;
        BnError err = { 0 };
        if (!imagesrc_load(&src, "fashion-mnist", 1, 8, 8, &err))
            _exit(4);
        const char *out = src.fell_back ? src.notice : "(no fallback)";
        ssize_t n = write(fd[1], out, strlen(out));
        imagesrc_free(&src);
        _exit(n >= 0 ? 0 : 5);
    }
    close(fd[1]);
    ssize_t got = read(fd[0], notice, size - 1);
    close(fd[0]);
    notice[got > 0 ? got : 0] = '\0';
    int status = 0;
    waitpid(pid, &status, 0);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child failed (status %d)", status);
}

Test(imagesrc, a_folder_without_the_files_says_not_installed)
{
    char notice[256];
    notice_as_unprivileged("/tmp/bntutor-no-such-folder-for-imagesrc", notice, sizeof notice);
    cr_assert_str_eq(notice, IMAGESRC_INSTALL_HINT);
    cr_assert(!dataset_idx_present("idx:/tmp/bntutor-no-such-folder-for-imagesrc"));
}

Test(imagesrc, an_unreadable_file_says_cannot_be_read_and_why_not_that_it_is_missing)
{
    char dir[64];
    fake_install(dir, sizeof dir);
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, idx_files[0]);
    cr_assert_eq(chmod(path, 0), 0);
    char notice[256];
    notice_as_unprivileged(dir, notice, sizeof notice);
    remove_install(dir);
    cr_assert(strstr(notice, "cannot be read"), "%s", notice);
    cr_assert(strstr(notice, "train-images-idx3-ubyte.gz"), "names the file: %s", notice);
    cr_assert(strstr(notice, strerror(EACCES)), "says why: %s", notice);
    cr_assert_null(strstr(notice, "not installed"), "%s", notice);
}

Test(imagesrc, a_damaged_file_says_cannot_be_read_with_the_loaders_reason)
{
    char dir[64];
    fake_install(dir, sizeof dir);
    char name[80];
    snprintf(name, sizeof name, "idx:%s", dir);
    cr_assert(dataset_idx_present(name));
    char notice[256];
    notice_as_unprivileged(dir, notice, sizeof notice);
    remove_install(dir);
    cr_assert(strstr(notice, "cannot be read: train-images-idx3-ubyte.gz: "), "%s", notice);
    cr_assert_null(strstr(notice, "not installed"), "%s", notice);
}

Test(imagesrc, the_explanation_falls_back_to_the_install_hint_without_a_reason)
{
    char notice[256];
    imagesrc_explain_fallback(notice, sizeof notice, NULL, NULL);
    cr_assert_str_eq(notice, IMAGESRC_INSTALL_HINT);
}
