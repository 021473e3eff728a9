/* Regular files only, opened without blocking on FIFOs or devices (util layer). */
#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int file_open_regular(const char *path, int flags, mode_t mode, struct stat *st, BnError *err)
{
    struct stat local;
    st = st ? st : &local;
    int fd = open(path, flags | O_NONBLOCK | O_CLOEXEC, mode);
    if (fd < 0) {
        int e = errno;
        struct stat link;
        /* O_NOFOLLOW reports a symbolic link as ELOOP (or EMLINK on some systems): say what it is. */
        if ((flags & O_NOFOLLOW) && (e == ELOOP || e == EMLINK) && lstat(path, &link) == 0 && S_ISLNK(link.st_mode))
            error_set(err, path, "is a symbolic link (refused)");
        else if (e == EISDIR)
            error_set(err, path, "is a directory, not a file");
        else if (stat(path, &link) == 0 && !S_ISREG(link.st_mode))
            error_set(err, path, "not a regular file");     /* a FIFO without a reader: ENXIO */
        else
            error_set(err, path, "cannot open: %s", strerror(e));
        errno = e;
        return -1;
    }
    if (fstat(fd, st) != 0) {
        int e = errno;
        error_set(err, path, "cannot open: %s", strerror(e));
        close(fd);
        errno = e;
        return -1;
    }
    if (!S_ISREG(st->st_mode)) {
        error_set(err, path, "%s", S_ISDIR(st->st_mode) ? "is a directory, not a file" : "not a regular file");
        close(fd);
        errno = S_ISDIR(st->st_mode) ? EISDIR : EINVAL;
        return -1;
    }
    /* Reads and writes of a regular file never block anyway; clearing the flag keeps them ordinary. */
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    return fd;
}

FILE *file_fopen_regular(const char *path, struct stat *st, BnError *err)
{
    int fd = file_open_regular(path, O_RDONLY, 0, st, err);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        int e = errno;
        error_set(err, path, "cannot open: %s", strerror(e));
        close(fd);
        errno = e;
    }
    return f;
}
