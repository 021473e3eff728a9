/* Helpers for the training-scene tests: a page from a lesson snippet, golden frames, drawing bounds. */
#ifndef BNTUTOR_TESTS_SCENE_GOLDEN_H
#define BNTUTOR_TESTS_SCENE_GOLDEN_H

#include <stdbool.h>

#include "lesson/lesson.h"
#include "scene/scene.h"
#include "view/canvas.h"

/* Parses a one-page lesson from `scene_lines` (the "scene NAME" line and its settings); the lesson
 * must parse without problems. Free with lesson_destroy. */
Lesson *sg_lesson(const char *scene_lines);
/* Compares canvas_dump with tests/golden/<name>.txt, or rewrites it under BNTUTOR_REGEN_GOLDEN=1. */
void sg_check_golden(const char *name, const Canvas *canvas);
/* Draws the scene at 80×13 and 80×22 in braille/unicode and ASCII and checks the four goldens
 * <prefix>_13_braille, <prefix>_13_ascii, <prefix>_22_braille, <prefix>_22_ascii. */
void sg_golden_frames(Scene *scene, const char *prefix);
/* Draws into an area inset in a larger canvas and asserts no cell outside the area was written. */
void sg_check_stays_inside(Scene *scene, int w, int h);

#endif
