/* norm.h's table of methods: every descriptor is complete, its set geometry agrees with itself, and its names parse back. */
#include <criterion/criterion.h>
#include <string.h>

#include "engine/convnet.h"
#include "engine/norm.h"

/* Shapes every method accepts, G = groups dividing C. */
static const NormShape SHAPES[] = {
    { 2, 4, 2, 3, 2 },
    { 3, 6, 1, 3, 3 },
    { 1, 2, 2, 2, 1 },
    { 4, 3, 3, 1, 3 },
    { 2, 1, 3, 3, 1 },
};
enum { NUM_SHAPES = sizeof SHAPES / sizeof SHAPES[0] };

Test(norm_table, every_descriptor_has_its_words_its_set_functions_and_its_kernels)
{
    for (int m = 0; m < NORM_METHOD_COUNT; m++) {
        const NormDescriptor *d = norm_descriptor((NormMethod)m);
        cr_assert_eq((int)d->method, m, "descriptor %d sits at the place of method %d", m, (int)d->method);
        cr_assert(d->name && *d->name && d->title && *d->title, "method %d needs a name and a title", m);
        cr_assert(d->averages && *d->averages && d->set_values && *d->set_values,
                  "%s norm needs the prose of its set", d->name);
        cr_assert(d->num_sets && d->set_size && d->set_place && d->set_of, "%s norm misses a set function", d->name);
        cr_assert(d->forward && d->backward, "%s norm misses a kernel", d->name);
    }
}

Test(norm_table, names_are_distinct_and_parse_back_to_their_method)
{
    const char *const *names = norm_method_names();
    for (int m = 0; m < NORM_METHOD_COUNT; m++) {
        NormMethod parsed;
        cr_assert_str_eq(names[m], norm_method_name((NormMethod)m), "the list of names follows the table");
        cr_assert(norm_method_parse(names[m], &parsed) && (int)parsed == m, "'%s' parses back", names[m]);
        cr_assert_neq(strcmp(names[m], "none"), 0, "'none' is the conv net's word for no norm");
        ConvNorm norm;
        cr_assert(convnet_norm_parse(names[m], &norm) && norm == m, "the conv net knows '%s'", names[m]);
        for (int k = 0; k < m; k++)
            cr_assert_neq(strcmp(names[k], names[m]), 0, "two methods are called '%s'", names[m]);
    }
    cr_assert_null(names[NORM_METHOD_COUNT], "the list ends with NULL");
    char list[128];
    cr_assert_str_eq(norm_method_list(list, sizeof list), "batch, layer, instance, group, rms");
}

/* Each set's place (samples and channels) holds exactly the planes set_of assigns to it, and the sets
 * split the tensor into num_sets parts of set_size values. */
Test(norm_table, a_sets_place_holds_exactly_the_elements_that_belong_to_it)
{
    for (int m = 0; m < NORM_METHOD_COUNT; m++)
        for (int k = 0; k < NUM_SHAPES; k++) {
            const NormShape *sh = &SHAPES[k];
            const NormDescriptor *d = norm_descriptor((NormMethod)m);
            int sets = d->num_sets(sh), hw = sh->h * sh->w, counted = 0;
            cr_assert_eq(sets * d->set_size(sh), sh->n * sh->c * hw, "%s norm, shape %d: sets x size", d->name, k);
            for (int s = 0; s < sets; s++) {
                NormSetPlace at = d->set_place(sh, s);
                int members = 0;
                for (int n = 0; n < sh->n; n++)
                    for (int c = 0; c < sh->c; c++) {
                        bool placed = (at.sample < 0 || at.sample == n) && c >= at.channel_first &&
                                      c <= at.channel_last;
                        bool belongs = d->set_of(sh, n, c) == s;
                        cr_assert_eq(placed, belongs, "%s norm, shape %d, set %d: sample %d channel %d", d->name, k,
                                     s, n, c);
                        members += belongs * hw;
                    }
                cr_assert_eq(members, d->set_size(sh), "%s norm, shape %d, set %d has set_size values", d->name,
                             k, s);
                if (at.every_channel)
                    cr_assert(at.channel_first == 0 && at.channel_last == sh->c - 1,
                              "%s norm: a whole sample takes every channel", d->name);
                counted += members;
            }
            cr_assert_eq(counted, sh->n * sh->c * hw, "%s norm, shape %d: the sets cover the tensor once", d->name,
                         k);
        }
}
