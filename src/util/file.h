/* Opening files someone else may control: never block on a FIFO or device, refuse anything but a regular file (util layer). */
#ifndef BNTUTOR_UTIL_FILE_H
#define BNTUTOR_UTIL_FILE_H

#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "util/error.h"

/* open(2) for a file that must be a regular file: flags as for open (O_RDONLY, O_WRONLY|O_CREAT,
 * O_NOFOLLOW, ...; O_CLOEXEC is always added), mode for O_CREAT. The open itself never blocks (a
 * FIFO with no writer, a tape, a terminal): it is done with O_NONBLOCK, the descriptor is checked
 * with fstat, and O_NONBLOCK is cleared again before it is returned. Returns the descriptor, or -1
 * with err set (where = path) to one of "cannot open: <strerror>", "is a symbolic link (refused)"
 * (O_NOFOLLOW given and path is a link), "is a directory, not a file", "not a regular file".
 * st (may be NULL) receives the descriptor's fstat. */
int file_open_regular(const char *path, int flags, mode_t mode, struct stat *st, BnError *err);

/* The same as a stdio stream for reading ("rb"): NULL with err set as above. */
FILE *file_fopen_regular(const char *path, struct stat *st, BnError *err);

#endif
