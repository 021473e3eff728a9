/* Benchmark: bytes the tutor writes to the terminal per animated frame, against a full repaint. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reads and counts output until it has been quiet for `quiet` seconds or `limit` seconds passed. */
static long drain(int fd, double quiet, double limit)
{
    long total = 0;
    double start = now_seconds(), last = start;
    char buf[65536];
    for (;;) {
        double now = now_seconds();
        if (now - last >= quiet || now - start >= limit)
            return total;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int left_ms = (int)((quiet - (now - last)) * 1000) + 1;
        if (poll(&p, 1, left_ms) > 0) {
            ssize_t n = read(fd, buf, sizeof buf);
            if (n <= 0)
                return total;
            total += n;
            last = now_seconds();
        }
    }
}

/* Reads and counts everything for exactly `seconds`. */
static long count_for(int fd, double seconds)
{
    long total = 0;
    double end = now_seconds() + seconds;
    char buf[65536];
    for (double now; (now = now_seconds()) < end;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, (int)((end - now) * 1000) + 1) > 0) {
            ssize_t n = read(fd, buf, sizeof buf);
            if (n <= 0)
                break;
            total += n;
        }
    }
    return total;
}

static long read_frames(const char *path)
{
    FILE *f = fopen(path, "r");
    long frames = -1;
    if (f) {
        if (fscanf(f, "%ld", &frames) != 1)
            frames = -1;
        fclose(f);
    }
    return frames;
}

static int compare_longs(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* One run at a size: full repaints (Ctrl-L) while paused, then frames while the scene animates. */
static int measure(const char *bin, int width, int height, const char *lesson, const char *page)
{
    char stats[] = "/tmp/bntutor-bench-XXXXXX";
    int sfd = mkstemp(stats);
    if (sfd < 0)
        return 1;
    close(sfd);
    char state[] = "/tmp/bntutor-bench-state-XXXXXX";
    if (!mkdtemp(state))
        return 1;

    struct winsize ws = { .ws_row = (unsigned short)height, .ws_col = (unsigned short)width };
    int master;
    pid_t pid = forkpty(&master, NULL, NULL, &ws);
    if (pid < 0) {
        perror("bench_terminal: forkpty");
        return 1;
    }
    if (pid == 0) {
        setenv("TERM", "xterm-256color", 1);
        setenv("LC_ALL", "C.UTF-8", 1);
        setenv("BNTUTOR_TTY_STATS", stats, 1);
        setenv("XDG_STATE_HOME", state, 1);
        unsetenv("NO_COLOR");
        char lesson_arg[64], page_arg[64];
        snprintf(lesson_arg, sizeof lesson_arg, "--lesson=%s", lesson);
        snprintf(page_arg, sizeof page_arg, "--page=%s", page);
        execl(bin, bin, lesson_arg, page_arg, (char *)NULL);
        _exit(127);
    }

    drain(master, 0.5, 10.0);       /* start-up and the first full paint */
    enum { REPAINTS = 5 };
    long full[REPAINTS];
    for (int i = 0; i < REPAINTS; i++) {
        if (write(master, "\x0c", 1) != 1)
            return 1;
        full[i] = drain(master, 0.3, 5.0);
    }
    qsort(full, REPAINTS, sizeof full[0], compare_longs);

    long frames_before = read_frames(stats);
    if (write(master, " ", 1) != 1)     /* play */
        return 1;
    long bytes = count_for(master, 4.0);
    long frames_after = read_frames(stats);
    if (write(master, " ", 1) != 1)     /* pause, then quit */
        return 1;
    drain(master, 0.3, 5.0);
    if (write(master, "q", 1) != 1)
        return 1;
    drain(master, 0.3, 5.0);
    int status = 0;
    waitpid(pid, &status, 0);
    close(master);
    unlink(stats);
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", state);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_terminal: could not remove %s\n", state);

    long frames = frames_after - frames_before;
    if (frames_before < 0 || frames <= 0) {
        fprintf(stderr, "bench_terminal: no frame count (is %s the tutor?)\n", bin);
        return 1;
    }
    double per_frame = (double)bytes / frames;
    double full_median = (double)full[REPAINTS / 2];
    printf("terminal %dx%d, lesson %s page %s animating: %ld frames in 4 s, %.0f bytes/frame; "
           "full repaint %.0f bytes (median of %d): %.1f%% (target < 20%%)\n",
           width, height, lesson, page, frames, per_frame, full_median, REPAINTS,
           100.0 * per_frame / full_median);
    printf("RESULT terminal_bytes_per_frame_%dx%d %.0f\n", width, height, per_frame);
    printf("RESULT terminal_full_repaint_%dx%d %.0f\n", width, height, full_median);
    return 0;
}

int main(int argc, char **argv)
{
    /* The tutor sits beside this benchmark's folder: BUILD/bntutor next to BUILD/bench/. */
    char bin[PATH_MAX];
    if (argc > 1) {
        snprintf(bin, sizeof bin, "%s", argv[1]);
    } else {
        ssize_t n = readlink("/proc/self/exe", bin, sizeof bin - 1);
        if (n <= 0)
            return 1;
        bin[n] = '\0';
        char *slash = strrchr(bin, '/');
        if (!slash)
            return 1;
        *slash = '\0';
        slash = strrchr(bin, '/');
        if (!slash)
            return 1;
        snprintf(slash, sizeof bin - (size_t)(slash - bin), "/bntutor");
    }
    if (!getenv("BNTUTOR_LESSONS"))
        setenv("BNTUTOR_LESSONS", "lessons", 1);
    signal(SIGPIPE, SIG_IGN);
    /* Lesson 0 page 2 trains a network live (the sandbox); lesson 3 page 2 the drift scene. */
    int bad = 0;
    bad |= measure(bin, 80, 24, "0", "2");
    bad |= measure(bin, 200, 60, "0", "2");
    bad |= measure(bin, 200, 60, "3", "2");
    return bad;
}
