/* Frame pacing for animations: fixed frame deadlines, poll timeouts and tick lengths (ui layer; pure math). */
#ifndef BNTUTOR_UI_PACER_H
#define BNTUTOR_UI_PACER_H

#include <stdbool.h>

/* Frames are due on a fixed grid of deadlines (start + k·period), so small scheduling delays do not
 * accumulate into a slower animation. When the program falls more than a period behind (a slow frame,
 * Ctrl-Z), the grid restarts from "now" instead of firing a burst of catch-up frames, and the tick
 * length handed to the scene is capped so a simulation never jumps by minutes at once. */
typedef struct FramePacer {
    double period;      /* seconds per frame */
    double max_dt;      /* largest tick length handed out, seconds */
    double next;        /* deadline of the next frame (monotonic seconds) */
    double last;        /* time of the previous frame */
    bool running;
} FramePacer;

/* fps outside (0, 1000] falls back to 30. */
void pacer_init(FramePacer *pacer, double fps);
/* Animation starts now: the first frame is due one period from now. */
void pacer_start(FramePacer *pacer, double now);
void pacer_stop(FramePacer *pacer);
/* True when running and the next frame deadline has passed. */
bool pacer_due(const FramePacer *pacer, double now);
/* Milliseconds to wait for input before the next frame: -1 (forever) when stopped, else
 * ceil(next − now) clamped to ≥ 0, so the wait never ends before the deadline (no spinning). */
int pacer_timeout_ms(const FramePacer *pacer, double now);
/* Takes the frame that is due: returns the tick length (now − previous frame, capped at max_dt)
 * and schedules the next deadline. */
double pacer_frame(FramePacer *pacer, double now);

#endif
