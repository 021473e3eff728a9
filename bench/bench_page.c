/* Page benchmark: every page of every lesson drawn headless through the tutor (header, prose, checkpoints,
 * scene, footer) after a few scene steps; prints the slowest page's median microseconds per frame at 200×60
 * and at 80×24 (target: under 1 ms). Lessons come from BNTUTOR_LESSONS or ./lessons. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scene/scene.h"
#include "ui/app.h"
#include "ui/tutor.h"
#include "view/canvas.h"
#include "view/keys.h"

enum { REPS = 41, STEPS = 5, PAGES_MAX = 2000 };

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median microseconds to draw the tutor's current page at w×h. */
static double page_median(Tutor *t, int w, int h)
{
    Canvas *c = canvas_create(w, h, RASTER_BRAILLE, true);
    AppScreen s = tutor_screen(t);
    double times[REPS];
    app_render_frame(&s, c, NULL);          /* warm up caches and lazy state */
    for (int r = 0; r < REPS; r++) {
        double t0 = now_us();
        app_render_frame(&s, c, NULL);
        times[r] = now_us() - t0;
    }
    canvas_destroy(c);
    qsort(times, REPS, sizeof times[0], cmp_double);
    return times[REPS / 2];
}

int main(void)
{
    scene_catalog_install();
    const char *dir = getenv("BNTUTOR_LESSONS");
    TutorConfig config;
    tutor_config_default(&config);
    config.lessons_dir = dir && *dir ? dir : "lessons";
    config.use_progress = false;
    BnError err = { 0 };
    Tutor *t = tutor_create(&config, &err);
    if (!t) {
        fprintf(stderr, "bntutor: bench_page: %s: %s\n", err.where, err.message);
        return 1;
    }
    static const struct { int w, h; } sizes[] = { { 200, 60 }, { 80, 24 } };
    double worst[2] = { 0, 0 };
    char worst_at[2][64] = { "", "" };
    int pages = 0;
    /* Walk forward through every page; the last page's "next" leaves the position unchanged. */
    for (;;) {
        tutor_steps(t, STEPS);
        for (int s = 0; s < 2; s++) {
            double us = page_median(t, sizes[s].w, sizes[s].h);
            if (us > worst[s]) {
                worst[s] = us;
                snprintf(worst_at[s], sizeof worst_at[s], "lesson %d page %d", tutor_lesson_number(t),
                         tutor_page(t));
            }
        }
        pages++;
        int lesson = tutor_lesson_number(t), page = tutor_page(t);
        tutor_key(t, BK_RIGHT);
        if ((tutor_lesson_number(t) == lesson && tutor_page(t) == page) || pages >= PAGES_MAX)
            break;
    }
    for (int s = 0; s < 2; s++) {
        printf("page %dx%d  slowest median %8.1f us/frame  (%s; %d pages, %d frames each)\n", sizes[s].w,
               sizes[s].h, worst[s], worst_at[s], pages, REPS);
        printf("RESULT page_%dx%d_us %.1f\n", sizes[s].w, sizes[s].h, worst[s]);
    }
    tutor_destroy(t);
    return 0;
}
