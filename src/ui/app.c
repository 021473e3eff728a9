/* The app loop: screens as draw/key pairs, a paced frame clock while animating, blocking when idle (ui layer). */
#include "ui/app.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ui/pacer.h"
#include "view/keys.h"

struct App {
    AppScreen screen;
};

void app_config_default(AppConfig *config)
{
    config->fps = 30.0;
    config->min_width = APP_MIN_WIDTH;
    config->min_height = APP_MIN_HEIGHT;
    config->autoplay = 0.0;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Columns a UTF-8 string takes (every code point in our messages is one column wide). */
static int utf8_columns(const char *s, size_t n)
{
    int cols = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            cols++;
    return cols;
}

void app_draw_too_small(Canvas *canvas, int min_width, int min_height)
{
    const char *times = canvas->unicode ? "\xC3\x97" : "x";    /* × */
    char msg[200];
    snprintf(msg, sizeof msg, "Please enlarge the terminal to at least %d%s%d (now %d%s%d). Paused; q quits.",
             min_width, times, min_height, canvas->width, times, canvas->height);

    /* Greedy word wrap into at most 16 lines of the canvas width. */
    enum { MAX_LINES = 16 };
    char lines[MAX_LINES][sizeof msg];
    int count = 0;
    int width = canvas->width > 0 ? canvas->width : 1;
    const char *p = msg;
    while (*p && count < MAX_LINES) {
        char *line = lines[count];
        line[0] = '\0';
        size_t used = 0;
        int cols = 0;
        while (*p) {
            const char *end = strchr(p, ' ');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            int wcols = utf8_columns(p, len);
            if (cols > 0 && cols + 1 + wcols > width)
                break;
            if (cols > 0)
                line[used++] = ' ', cols++;
            memcpy(line + used, p, len);
            used += len;
            cols += wcols;
            p += len;
            while (*p == ' ')
                p++;
        }
        line[used] = '\0';
        count++;
    }
    int top = (canvas->height - count) / 2;
    if (top < 0)
        top = 0;
    for (int i = 0; i < count; i++) {
        int cols = utf8_columns(lines[i], strlen(lines[i]));
        int left = (canvas->width - cols) / 2;
        canvas_text(canvas, left > 0 ? left : 0, top + i, lines[i], ROLE_WARNING, ATTR_BOLD, -1);
    }
}

bool app_too_small(const Canvas *canvas, const AppConfig *config)
{
    return canvas->width < config->min_width || canvas->height < config->min_height;
}

void app_render_frame(const AppScreen *screen, Canvas *canvas, const AppConfig *config)
{
    AppConfig defaults;
    if (!config) {
        app_config_default(&defaults);
        config = &defaults;
    }
    canvas_clear(canvas);
    if (app_too_small(canvas, config))
        app_draw_too_small(canvas, config->min_width, config->min_height);
    else
        screen->draw(screen->self, canvas);
}

/* Milliseconds from now until `when`, rounded up so the wait never ends early. */
static int ms_until(double when, double now)
{
    double ms = (when - now) * 1000.0;
    if (ms <= 0.0)
        return 0;
    return ms > 1e6 ? 1000000 : (int)ms + 1;
}

int app_run(Tty *tty, const AppScreen *first, const AppConfig *config)
{
    AppConfig cfg;
    if (config)
        cfg = *config;
    else
        app_config_default(&cfg);
    App app = { .screen = *first };
    int width, height;
    tty_size(tty, &width, &height);
    Canvas *canvas = canvas_create(width, height, tty_raster(tty), tty_unicode(tty));
    FramePacer pacer;
    pacer_init(&pacer, cfg.fps);

    bool dirty = true;
    bool autoplay = cfg.autoplay > 0.0;
    double autoplay_at = now_seconds() + cfg.autoplay;
    int status = 0;
    for (;;) {
        double now = now_seconds();
        /* Too small to show the screen: nothing plays unseen (no ticks, no page turns) and only q acts. */
        bool small = app_too_small(canvas, &cfg);
        bool animating = !small && app.screen.animating && app.screen.animating(app.screen.self);
        if (animating && !pacer.running)
            pacer_start(&pacer, now);
        else if (!animating && pacer.running)
            pacer_stop(&pacer);
        if (pacer_due(&pacer, now)) {
            double dt = pacer_frame(&pacer, now);
            if (app.screen.tick)
                app.screen.tick(app.screen.self, dt);
            dirty = true;
        }
        if (app.screen.failed && app.screen.failed(app.screen.self)) {
            status = 1;
            break;
        }
        if (dirty) {
            app_render_frame(&app.screen, canvas, &cfg);
            tty_draw(tty, canvas);
            dirty = false;
        }

        /* Sleep until a key, the next frame deadline, or the autoplay timer; with no animation and
         * no autoplay the timeout is -1 and the process sleeps in poll() until something happens. */
        now = now_seconds();
        int timeout = pacer_timeout_ms(&pacer, now);
        if (autoplay && small) {
            autoplay_at = now + cfg.autoplay;   /* the page showing gets its full time once visible */
        } else if (autoplay) {
            int ms = ms_until(autoplay_at, now);
            if (timeout < 0 || ms < timeout)
                timeout = ms;
        }
        int key = tty_read_key(tty, timeout);
        switch (key) {
        case BK_NONE:
            if (!autoplay || small || now_seconds() < autoplay_at)
                continue;
            autoplay_at += cfg.autoplay;
            if (autoplay_at <= now_seconds())   /* after a stop: no backlog of page turns */
                autoplay_at = now_seconds() + cfg.autoplay;
            key = BK_AUTOPLAY;
            break;
        case BK_RESIZE:
            tty_size(tty, &width, &height);
            canvas_resize(canvas, width, height);
            dirty = true;
            continue;
        case BK_REDRAW:
            dirty = true;
            continue;
        case BK_INTERRUPT:
        case BK_HANGUP:
            status = 1;
            goto done;
        default:
            if (small && key != 'q')
                continue;               /* a key acting on a screen nobody can see */
            autoplay = false;           /* any key takes over */
            break;
        }
        AppAction action = app.screen.key(app.screen.self, &app, key);
        dirty = true;
        if (action == APP_QUIT)
            break;
    }
done:
    canvas_destroy(canvas);
    return status;
}
