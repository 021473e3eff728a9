/* The classroom budget of a lesson page: the network and batch its settings ask for, priced before any scene runs (lesson layer). */
#ifndef BNTUTOR_LESSON_PAGE_BUDGET_H
#define BNTUTOR_LESSON_PAGE_BUDGET_H

#include <stdbool.h>
#include <stddef.h>

#include "lesson/lesson.h"

/* True when the page's resolved settings fit one tutor's budget (engine/budget.h). Pages whose scene
 * trains a network say so through a 'hidden' list; their 'batch' (32 when absent) and 'dataset' (784
 * inputs for the image sets, else 2) complete the estimate. When they do not fit, why (the figures and
 * the limits) goes into buf. A scene that trains several such networks at once says how many
 * (CatalogScene.networks) and is priced for all. Works from setting names only, wherever a scene declares
 * them. */
bool lesson_page_budget_check(const LessonPage *page, char *buf, size_t size);

#endif
