/* Prices a lesson page's network from its resolved settings against the classroom budget (lesson layer). */
#include "lesson/page_budget.h"

#include <stdio.h>
#include <string.h>

#include "engine/budget.h"

enum { PAGE_LAYERS_MAX = 16 };

bool lesson_page_budget_check(const LessonPage *page, char *buf, size_t size)
{
    const double *hidden = NULL;
    int nh = page && lesson_page_setting(page, "hidden") ? lesson_page_list(page, "hidden", &hidden) : 0;
    if (nh <= 0)
        return true;
    if (nh > PAGE_LAYERS_MAX - 2)
        nh = PAGE_LAYERS_MAX - 2;
    int sizes[PAGE_LAYERS_MAX], num = 0;
    const char *dataset = lesson_page_setting(page, "dataset") ? lesson_page_enum(page, "dataset") : "";
    bool images = strcmp(dataset, "synth784") == 0 || strcmp(dataset, "fashion-mnist") == 0;
    sizes[num++] = images ? 784 : 2;
    for (int i = 0; i < nh; i++)
        sizes[num++] = hidden[i] > 0 && hidden[i] < 1e6 ? (int)hidden[i] : 1;
    sizes[num++] = 10;         /* at most ten classes */
    int batch = lesson_page_setting(page, "batch") ? (int)lesson_page_int(page, "batch") : 32;
    StepCost cost = budget_mlp_step(sizes, num, batch > 0 ? batch : 1);
    int networks = page->scene && page->scene->networks ? page->scene->networks(page) : 1;
    if (networks <= 1)
        return budget_fits(&cost, buf, size);
    cost.bytes *= networks;
    cost.flops *= networks;
    char why[400];
    if (budget_fits(&cost, why, sizeof why))
        return true;
    snprintf(buf, size, "the scene '%s' trains %d networks at once, priced together: %s", page->scene->name,
             networks, why);
    return false;
}
