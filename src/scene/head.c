/* The top of a scene, laid out row by row: title/status line, run-state banner, notes, and the body below (scene layer). */
#include "scene/head.h"

#include <stdio.h>

#include "view/fitline.h"

/* Every banner gives the same advice: a diverged run needs a smaller step. */
#define SCENE_ADVICE "lower the learning rate"

SceneHead scene_head_begin(Canvas *canvas, Rect area) { return (SceneHead){ canvas, area, 0 }; }

/* The row the next line goes to, or -1 when the area is full. */
static int scene_head_next_row(SceneHead *head)
{
    if (head->rows >= head->area.h)
        return -1;
    return head->area.y + head->rows++;
}

void scene_head_line(SceneHead *head, const char *line, ColorRole role, int attr)
{
    int y = scene_head_next_row(head);
    if (y >= 0)
        fitline_draw(head->canvas, head->area.x, y, line, role, attr, head->area.w);
}

void scene_head_title(SceneHead *head, const char *line, ColorRole role) { scene_head_line(head, line, role, ATTR_BOLD); }

void scene_head_title_first(SceneHead *head, const char *const *alts, int count, ColorRole role)
{
    scene_head_line_first(head, alts, count, role, ATTR_BOLD);
}

void scene_head_line_first(SceneHead *head, const char *const *alts, int count, ColorRole role, int attr)
{
    int y = scene_head_next_row(head);
    if (y >= 0)
        fitline_draw_first(head->canvas, head->area.x, y, alts, count, role, attr, head->area.w);
}

void scene_head_text(SceneHead *head, const char *text, ColorRole role, int attr)
{
    int y = scene_head_next_row(head);
    if (y >= 0)
        canvas_text(head->canvas, head->area.x, y, text, role, attr, head->area.w);
}


void scene_head_diverged(SceneHead *head, long step, const char *reason)
{
    char line[320];
    if (reason)
        snprintf(line, sizeof line, "step %ld: diverged (%s)" FITLINE_SEP " - " SCENE_ADVICE ", r resets", step, reason);
    else
        snprintf(line, sizeof line, "step %ld: diverged" FITLINE_SEP " - " SCENE_ADVICE ", press r to reset", step);
    scene_head_title(head, line, ROLE_WARNING);
}

void scene_head_run(SceneHead *head, const char *message, bool diverged, long at_step, bool knob)
{
    int y = scene_head_next_row(head);
    if (y < 0)
        return;
    Canvas *cv = head->canvas;
    int x = head->area.x, w = head->area.w, attr = ATTR_BOLD;
    char line[400];
    if (knob && diverged) {
        snprintf(line, sizeof line, "DIVERGED at step %ld: " SCENE_ADVICE " (lr knob) or press r to reset", at_step);
        attr |= ATTR_REVERSE;
    } else if (knob) {
        snprintf(line, sizeof line, "%s", message);
    } else {
        snprintf(line, sizeof line, "%s %s", message, diverged ? "- " SCENE_ADVICE ", press r to reset" : "");
        if (diverged && fitline_width(line, cv->unicode) > w)    /* 80 columns: keep the advice */
            snprintf(line, sizeof line, "diverged at step %ld: " SCENE_ADVICE ", press r to reset", at_step);
    }
    canvas_text(cv, x, y, line, ROLE_WARNING, attr, w);
}

Rect scene_head_body(const SceneHead *head, int bottom)
{
    const Rect *a = &head->area;
    return rect_make(a->x, a->y + head->rows, a->w, a->h - head->rows - bottom);
}
