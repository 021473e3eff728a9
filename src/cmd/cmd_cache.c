/* 'bntutor cache build': an administrator unpacks a dataset's gzipped images once into the system-wide cache that every learner's tutor reads (top layer). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "engine/dataset.h"
#include "engine/idx_cache.h"
#include "util/error.h"
#include "util/parse.h"
#include "util/termtext.h"

static const char cache_usage[] =
    "Usage: bntutor cache build [--data=DIR] [--cache-dir=DIR]\n"
    "Unpacks the gzipped image files of an MNIST-format folder once into the system-wide cache, so\n"
    "every learner's tutor reads one shared copy instead of unpacking its own. Run it as root (make\n"
    "install does, when Fashion-MNIST is installed); run it again after the dataset changes.\n"
    "  --data=DIR       the folder with train-images-idx3-ubyte.gz and t10k-images-idx3-ubyte.gz\n"
    "                   (default: Fashion-MNIST, " DATASET_FASHION_DIR ",\n"
    "                   or $BNTUTOR_FASHION_MNIST)\n"
    "  --cache-dir=DIR  where to write (default " BNTUTOR_SYSTEM_CACHE_DIR ", or $BNTUTOR_SYSTEM_CACHE);\n"
    "                   the folder is made 0755 and the files 0444, owned by whoever runs this\n"
    "Tutors use a cache file only when it and its folder belong to root or to the learner and\n"
    "nobody else may write them, and when it matches the source's checksum; otherwise each learner\n"
    "falls back to a cache of their own in ~/.cache/bntutor.\n";

static int usage_error(const char *what, const char *value)
{
    if (value)
        fprintf(stderr, "bntutor: cache: %s, got '%s' (try 'bntutor cache --help')\n", what, value);
    else
        fprintf(stderr, "bntutor: cache: %s (try 'bntutor cache --help')\n", what);
    return 2;
}

/* The image files a dataset folder may hold, as dataset_load looks for them. */
static const char *const image_names[] = { "train-images-idx3-ubyte.gz", "train-images.idx3-ubyte.gz",
                                           "t10k-images-idx3-ubyte.gz", "t10k-images.idx3-ubyte.gz" };

int cmd_cache(int argc, char **argv)
{
    const char *data = NULL, *dir = NULL, *action = NULL;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *value;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(cache_usage, stdout);
            return 0;
        } else if (parse_option(arg, "data", &value)) {
            if (!value || !*value)
                return usage_error("--data: needs a folder, as --data=DIR", NULL);
            data = value;
        } else if (parse_option(arg, "cache-dir", &value)) {
            if (!value || value[0] != '/')
                return usage_error("--cache-dir: needs an absolute path, as --cache-dir=/DIR", value);
            dir = value;
        } else if (!action && arg[0] != '-') {
            action = arg;
        } else {
            return usage_error("unexpected argument", arg);
        }
    }
    if (!action)
        return usage_error("what to do? (bntutor cache build)", NULL);
    if (strcmp(action, "build") != 0)
        return usage_error("unknown action (the one action is build)", action);
    if (!data)
        data = dataset_fashion_dir();
    char system_dir[4096];
    if (!dir) {
        idx_cache_system_dir(system_dir, sizeof system_dir);
        dir = system_dir;
    }
    struct stat st;
    bool found_data = stat(data, &st) == 0;
    if (!found_data || !S_ISDIR(st.st_mode)) {
        char shown[4400];
        fprintf(stderr, "bntutor: cache: %s: %s\n", termtext_clean(data, shown, sizeof shown, 0),
                found_data ? "not a folder" : strerror(errno));
        return 1;
    }
    int found = 0, failed = 0;
    for (size_t k = 0; k < sizeof image_names / sizeof image_names[0]; k++) {
        char source[4400], cache[4400];
        snprintf(source, sizeof source, "%s/%s", data, image_names[k]);
        if (access(source, F_OK) != 0)
            continue;
        found++;
        BnError err = { 0 };
        IdxCacheBuilt built;
        if (!idx_cache_build(source, dir, true, idx_cache_lock_seconds(), cache, sizeof cache, &built, &err)) {
            char buf[ERROR_WHERE_MAX + ERROR_MESSAGE_MAX + 4];
            fprintf(stderr, "bntutor: cache: %s%s\n", error_format(&err, buf, sizeof buf),
                    geteuid() != 0 && strstr(err.message, "Permission denied") ? " (run as root, or give --cache-dir=DIR)" : "");
            failed++;
            continue;
        }
        struct stat cs;
        double mb = stat(cache, &cs) == 0 ? (double)cs.st_size / 1e6 : 0.0;
        char shown_cache[4400], shown_source[4400];
        printf("%s %s (%.1f MB) from %s\n", built == IDX_CACHE_WRITTEN ? "wrote" : "up to date:",
               termtext_clean(cache, shown_cache, sizeof shown_cache, 0), mb,
               termtext_clean(source, shown_source, sizeof shown_source, 0));
    }
    if (found == 0) {
        char shown[4400];
        fprintf(stderr, "bntutor: cache: %s: no gzipped image files here (train-images-idx3-ubyte.gz, "
                        "t10k-images-idx3-ubyte.gz)\n", termtext_clean(data, shown, sizeof shown, 0));
        return 1;
    }
    return failed ? 1 : 0;
}
