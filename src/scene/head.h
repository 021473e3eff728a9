/* The top of a scene, laid out row by row: its title/status line, the run-state banner, notes, and the body left below (scene layer). */
#ifndef BNTUTOR_SCENE_HEAD_H
#define BNTUTOR_SCENE_HEAD_H

#include <stdbool.h>

#include "view/canvas.h"
#include "view/rect.h"

/* A scene's draw starts a head on its area, puts its lines from the top, then takes the body:
 *     SceneHead h = scene_head_begin(cv, area);
 *     if (run diverged) scene_head_diverged(&h, step, NULL); else scene_head_title(&h, status, ROLE_TITLE);
 *     scene_head_text(&h, hint, ROLE_WARNING, 0);    (only when there is something to say)

 *     Rect body = scene_head_body(&h, 0);
 * Every line is one row, clipped to the area's width. */
typedef struct SceneHead {
    Canvas *canvas;
    Rect area;
    int rows;               /* rows used from the top of the area */
} SceneHead;

SceneHead scene_head_begin(Canvas *canvas, Rect area);
/* The title/status line, bold: FITLINE_SEP segments drop whole from the end, so no figure is cut. */
void scene_head_title(SceneHead *head, const char *line, ColorRole role);
/* The same with wordings from long to short: the first that fits whole. */
void scene_head_title_first(SceneHead *head, const char *const *alts, int count, ColorRole role);
/* A line of segments (FITLINE_SEP) with its own attributes (0: plain), under the title or as one. */
void scene_head_line(SceneHead *head, const char *line, ColorRole role, int attr);
/* A line (a missing-data hint, a warning, a note, a title that may be cut), cut at the area's edge. */
void scene_head_text(SceneHead *head, const char *text, ColorRole role, int attr);
/* A line of segments (FITLINE_SEP) under the title, plain: the first of `alts` that fits whole. */
void scene_head_line_first(SceneHead *head, const char *const *alts, int count, ColorRole role, int attr);

/* The run-state banner, in the warning colour where the title would be, when a run diverged at
 * `step`: "step 12: diverged - lower the learning rate, press r to reset". A reason (NULL: none)
 * goes in brackets after "diverged", and the advice then shortens to "r resets". */
void scene_head_diverged(SceneHead *head, long step, const char *reason);
/* The banner of a run that says itself what went wrong (`message`): a failed run shows just that;
 * a diverged one (at step `at_step`) adds the advice. A scene with an lr knob says so, in reverse
 * video in place of its title; otherwise the message stands under the title. */
void scene_head_run(SceneHead *head, const char *message, bool diverged, long at_step, bool knob);

/* The body: the area below the head's lines, less `bottom` rows kept at the foot. */
Rect scene_head_body(const SceneHead *head, int bottom);

#endif
