/* Frame pacing for animations: fixed frame deadlines, poll timeouts and tick lengths (ui layer; pure math). */
#include "ui/pacer.h"

#include <math.h>

void pacer_init(FramePacer *pacer, double fps)
{
    if (!(fps > 0.0 && fps <= 1000.0))
        fps = 30.0;
    pacer->period = 1.0 / fps;
    /* Four frames: enough to ride out a slow frame, small enough that a stall is not replayed. */
    pacer->max_dt = 4.0 * pacer->period;
    pacer->next = 0.0;
    pacer->last = 0.0;
    pacer->running = false;
}

void pacer_start(FramePacer *pacer, double now)
{
    pacer->last = now;
    pacer->next = now + pacer->period;
    pacer->running = true;
}

void pacer_stop(FramePacer *pacer) { pacer->running = false; }

bool pacer_due(const FramePacer *pacer, double now)
{
    return pacer->running && now >= pacer->next;
}

int pacer_timeout_ms(const FramePacer *pacer, double now)
{
    if (!pacer->running)
        return -1;
    double wait = pacer->next - now;
    if (wait <= 0.0)
        return 0;
    double ms = ceil(wait * 1000.0);
    return ms > 1e6 ? 1000000 : (int)ms;
}

double pacer_frame(FramePacer *pacer, double now)
{
    double dt = now - pacer->last;
    if (dt < 0.0)
        dt = 0.0;
    if (dt > pacer->max_dt)
        dt = pacer->max_dt;
    pacer->last = now;
    pacer->next += pacer->period;
    if (pacer->next <= now)             /* fell behind: restart the grid rather than burst */
        pacer->next = now + pacer->period;
    return dt;
}
