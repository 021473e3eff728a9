/* Results: the course's questions joined with the learner's first answers from the progress store (lesson layer). */
#include "lesson/results.h"

#include <stdio.h>
#include <stdlib.h>

#include "util/alloc.h"
#include "view/text.h"

static void fill_lesson(ResultLesson *r, const Lesson *lesson, int set_index, const Progress *progress)
{
    r->lesson = lesson;
    r->set_index = set_index;
    r->done = progress_is_done(progress, lesson->number);
    int n = 0;
    for (int p = 0; p < lesson->page_count; p++)
        n += lesson->pages[p].checkpoint_count;
    r->questions = n ? xcalloc((size_t)n, sizeof *r->questions) : NULL;
    for (int p = 0; p < lesson->page_count; p++) {
        const LessonPage *page = &lesson->pages[p];
        for (int k = 0; k < page->checkpoint_count; k++) {
            ResultQuestion *q = &r->questions[r->count++];
            *q = (ResultQuestion){ .page = p + 1, .index = k + 1, .cp = &page->checkpoints[k] };
            const ProgressCheck *c = progress_check(progress, lesson->number, p + 1, k + 1);
            if (!c)
                continue;
            q->first = c->first_correct ? RESULT_RIGHT : RESULT_WRONG;
            q->right_later = !c->first_correct && c->correct;
            snprintf(q->answer, sizeof q->answer, "%s", c->first_answer);
            q->time = c->first_time;
            if (c->first_correct)
                r->right++;
            else
                r->wrong++;
        }
    }
}

Results *results_create(const LessonSet *set, const Progress *progress)
{
    Results *results = xcalloc(1, sizeof *results);
    results->lessons = set->count ? xcalloc((size_t)set->count, sizeof *results->lessons) : NULL;
    for (int i = 0; i < set->count; i++) {
        const Lesson *lesson = set->lessons[i];
        if (lesson->number < 0 || lesson_is_broken(lesson))
            continue;
        ResultLesson *r = &results->lessons[results->count++];
        fill_lesson(r, lesson, i, progress);
        results->questions += r->count;
        results->right += r->right;
        results->wrong += r->wrong;
    }
    return results;
}

void results_destroy(Results *results)
{
    if (!results)
        return;
    for (int i = 0; i < results->count; i++)
        free(results->lessons[i].questions);
    free(results->lessons);
    free(results);
}

const ResultLesson *results_lesson(const Results *results, int set_index)
{
    for (int i = 0; results && i < results->count; i++)
        if (results->lessons[i].set_index == set_index)
            return &results->lessons[i];
    return NULL;
}

const char *results_question_text(const ResultQuestion *question, bool unicode, char *buf, int size)
{
    return text_plain(question->cp ? question->cp->question : "", unicode, buf, size);
}
