/* Test helpers for the scene tests (tests/support): a scene from a lesson snippet, golden frames, drawing bounds. */
#ifndef BNTUTOR_TESTS_SCENE_GOLDEN_H
#define BNTUTOR_TESTS_SCENE_GOLDEN_H

#include <stdbool.h>
#include <stdint.h>

#include "lesson/lesson.h"
#include "scene/scene.h"
#include "view/canvas.h"

/* Parses a one-page lesson from `scene_lines` (the "scene NAME" line and its settings); the lesson
 * must parse without problems. Free with lesson_destroy. */
Lesson *sg_lesson(const char *scene_lines);
/* sg_lesson on "scene <scene>" followed by the settings lines in `settings` ("a = 1\nb = 2"). */
Lesson *sg_scene_lesson(const char *scene, const char *settings);
/* Creates the scene of the lesson's first page; it must succeed. The lesson must outlive the scene. */
Scene *sg_scene(const Lesson *lesson, uint64_t seed);
/* A scene with the lesson it came from (the lesson must outlive the scene). */
typedef struct SgFixture {
    Lesson *lesson;
    Scene *scene;
} SgFixture;
/* sg_scene_lesson(scene, settings or ""), then sg_scene. Free with sg_fixture_free. */
SgFixture sg_fixture(const char *scene, const char *settings, uint64_t seed);
void sg_fixture_free(SgFixture *f);
/* sg_lesson, then sg_scene; *lesson must outlive the scene. */
Scene *sg_make(Lesson **lesson, const char *scene_lines, uint64_t seed);
/* A scalar live value that must exist. */
double sg_live(const Scene *scene, const char *name);
/* canvas_dump of a w×h draw: braille with unicode chrome, or ASCII. The caller frees it. */
char *sg_render(Scene *scene, int w, int h, bool unicode);
/* Draws the scene at 80×13 and 80×22 in braille/unicode and ASCII and checks the four goldens
 * <prefix>_13_braille, <prefix>_13_ascii, <prefix>_22_braille, <prefix>_22_ascii. */
void sg_golden_frames(Scene *scene, const char *prefix);
/* The same four frames, named <prefix>_80x13_braille, <prefix>_80x13_ascii, <prefix>_80x22_... */
void sg_golden_frames_sized(Scene *scene, const char *prefix);
/* Draws into an area inset in a larger canvas and asserts no cell outside the area was written. */
void sg_check_inside(Scene *scene, int w, int h);
/* The same on a Unicode (braille) or an ASCII canvas. */
void sg_check_inside_mode(Scene *scene, int w, int h, bool unicode);
/* sg_check_inside, and a draw of at least 40×6 must also put something inside the area. */
void sg_check_stays_inside(Scene *scene, int w, int h);

#endif
