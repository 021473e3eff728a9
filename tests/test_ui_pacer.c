/* Tests for the frame pacer: deadlines on a fixed grid, timeouts that never end early, no bursts. */
#include <criterion/criterion.h>
#include <math.h>

#include "support/check.h"
#include "ui/pacer.h"

Test(ui_pacer, a_stopped_pacer_waits_for_input_forever)
{
    FramePacer p;
    pacer_init(&p, 30.0);
    cr_assert_eq(pacer_timeout_ms(&p, 5.0), -1, "a paused tutor must block in poll() without timeout");
    cr_assert(!pacer_due(&p, 1e9), "a stopped pacer never has a frame due");
    pacer_start(&p, 1.0);
    pacer_stop(&p);
    cr_assert_eq(pacer_timeout_ms(&p, 1.0), -1, "stopping returns to waiting forever");
}

Test(ui_pacer, the_first_frame_is_due_one_period_after_start)
{
    FramePacer p;
    pacer_init(&p, 30.0);
    pacer_start(&p, 10.0);
    cr_assert(!pacer_due(&p, 10.0), "not due at the start");
    cr_assert(!pacer_due(&p, 10.0 + 0.9 / 30.0), "not due before one period");
    cr_assert(pacer_due(&p, 10.0 + 1.0 / 30.0), "due after one period");
    cr_assert_eq(pacer_timeout_ms(&p, 10.0), 34, "ceil(33.3 ms) at 30 fps, got %d", pacer_timeout_ms(&p, 10.0));
}

Test(ui_pacer, the_timeout_never_ends_before_the_deadline)
{
    FramePacer p;
    pacer_init(&p, 60.0);
    pacer_start(&p, 3.0);
    for (int i = 0; i < 50; i++) {
        double now = 3.0 + i * 0.00037;
        int ms = pacer_timeout_ms(&p, now);
        cr_assert_geq(ms, 0, "timeout is never negative while running (now %.5f)", now);
        cr_assert_geq(now + ms / 1000.0, p.next - 1e-12,
                      "waking after %d ms at %.5f would be before the deadline %.5f (a spin)", ms, now, p.next);
    }
    cr_assert_eq(pacer_timeout_ms(&p, p.next + 1.0), 0, "a missed deadline means no wait at all");
}

Test(ui_pacer, small_delays_do_not_slow_the_frame_grid_down)
{
    FramePacer p;
    pacer_init(&p, 30.0);
    pacer_start(&p, 0.0);
    double period = 1.0 / 30.0;
    /* Every frame is taken 3 ms late; the deadlines still stay on k·period. */
    for (int k = 1; k <= 20; k++) {
        double now = k * period + 0.003;
        cr_assert(pacer_due(&p, now), "frame %d is due", k);
        pacer_frame(&p, now);
        check_close(p.next, (k + 1) * period, 1e-9, 1e-9, "deadline after frame %d", k);
    }
}

Test(ui_pacer, the_tick_length_is_the_real_time_since_the_previous_frame)
{
    FramePacer p;
    pacer_init(&p, 30.0);
    pacer_start(&p, 2.0);
    double dt = pacer_frame(&p, 2.0 + 0.040);
    check_close(dt, 0.040, 1e-9, 1e-12, "first tick");
    dt = pacer_frame(&p, 2.0 + 0.070);
    check_close(dt, 0.030, 1e-9, 1e-12, "second tick");
}

Test(ui_pacer, falling_far_behind_restarts_the_grid_instead_of_bursting)
{
    FramePacer p;
    pacer_init(&p, 30.0);
    pacer_start(&p, 0.0);
    double dt = pacer_frame(&p, 60.0);     /* e.g. a minute stopped with Ctrl-Z */
    check_close(dt, p.max_dt, 1e-12, 1e-12, "the tick after a stall is capped");
    cr_assert_lt(dt, 0.5, "the cap is a fraction of a second, got %g", dt);
    check_close(p.next, 60.0 + 1.0 / 30.0, 1e-12, 1e-12, "next deadline one period from now");
    cr_assert(!pacer_due(&p, 60.0), "no catch-up burst right after the stall");
}

Test(ui_pacer, a_bad_frame_rate_falls_back_to_thirty)
{
    double bad[] = { 0.0, -5.0, NAN, INFINITY, 1e9 };
    for (int i = 0; i < 5; i++) {
        FramePacer p;
        pacer_init(&p, bad[i]);
        check_close(p.period, 1.0 / 30.0, 1e-12, 1e-12, "fps %g", bad[i]);
    }
    FramePacer p;
    pacer_init(&p, 10.0);
    check_close(p.period, 0.1, 1e-12, 1e-12, "a valid fps is kept");
}
