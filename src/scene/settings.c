/* The settings several scenes share: name, type, range, default and help, one definition each (scene layer). */
#include "scene/settings.h"

#include <stddef.h>
#include <stdio.h>

#include "engine/batchnorm.h"
#include "engine/norm.h"

static const char *const dataset_choices[] = { "scaled2d", "blobs", "moons", "spirals", "synth784",
                                               "fashion-mnist", NULL };
static const char *const convention_choices[] = { "pytorch", "keras", "paper", NULL };
static const char *const placement_choices[] = { "none", "before", "after", NULL };
static const char *const act_choices[] = { "sigmoid", "relu", "tanh", NULL };
static const char *const images_choices[] = { "fashion-mnist", "shapes28", NULL };

const CatalogSetting setting_seed = {
    .name = "seed", .type = SETTING_INT, .min = 0, .max = 2147483647, .fallback = "1",
    .help = "seed for the scene's data and initial weights (same seed, same pictures)" };
const CatalogSetting setting_dataset = {
    .name = "dataset", .type = SETTING_ENUM, .choices = dataset_choices, .fallback = "blobs",
    .help = "which data the scene draws its mini-batches from" };
const CatalogSetting setting_batch = {
    .name = "batch", .type = SETTING_INT, .min = 1, .max = 4096, .fallback = "32",
    .help = "mini-batch size (1 shows the batch-of-one pitfall)" };
const CatalogSetting setting_features = {
    .name = "features", .type = SETTING_INT, .min = 1, .max = 64, .fallback = "3",
    .help = "number of features (columns) shown" };

/* ---- a convention's ε and α ---- */

void bnrule_defaults(BnConvention convention, double *eps, double *alpha)
{
    *eps = batchnorm_default_eps(convention);
    /* Keras's momentum 0.99 weighs the old value: the batch gets 1 − 0.99. The paper averages every
     * batch alike, so α is unused there; it keeps PyTorch's 0.1 for the knob. */
    *alpha = convention == BN_CONVENTION_KERAS ? 1.0 - batchnorm_default_momentum(convention)
                                               : batchnorm_default_momentum(BN_CONVENTION_PYTORCH);
}

double bnrule_momentum(BnConvention convention, double alpha)
{
    switch (convention) {
    case BN_CONVENTION_KERAS: return 1.0 - alpha;
    case BN_CONVENTION_PAPER: return 0.0;
    case BN_CONVENTION_PYTORCH: break;
    }
    return alpha;
}

static BnConvention convention_at(long choice)
{
    BnConvention convention = BN_CONVENTION_PYTORCH;
    if (choice >= 0 && choice < 3)
        batchnorm_convention_parse(convention_choices[choice], &convention);
    return convention;
}

/* The text of a default the parser reads back: 17 digits give the very same double. */
static void eps_for(long choice, char *buf, size_t size)
{
    double eps, alpha;
    bnrule_defaults(convention_at(choice), &eps, &alpha);
    snprintf(buf, size, "%.17g", eps);
}

static void alpha_for(long choice, char *buf, size_t size)
{
    double eps, alpha;
    bnrule_defaults(convention_at(choice), &eps, &alpha);
    snprintf(buf, size, "%.17g", alpha);
}

double setting_list_item(const LessonPage *page, const char *name, int i)
{
    const double *items = NULL;
    int count = lesson_page_list(page, name, &items);
    return items[i < count ? i : count - 1];
}

BnRule bnrule_of_page(const LessonPage *page)
{
    BnRule rule = { .convention = BN_CONVENTION_PYTORCH };
    if (lesson_page_setting(page, "convention"))
        batchnorm_convention_parse(lesson_page_enum(page, "convention"), &rule.convention);
    bnrule_defaults(rule.convention, &rule.eps, &rule.alpha);
    if (lesson_page_setting(page, "eps"))
        rule.eps = lesson_page_real(page, "eps");
    if (lesson_page_setting(page, "alpha"))
        rule.alpha = lesson_page_real(page, "alpha");
    rule.momentum = bnrule_momentum(rule.convention, rule.alpha);
    return rule;
}

/* Where a scene has a convention these follow it; elsewhere they are PyTorch's. */
const CatalogSetting setting_alpha = {
    .name = "alpha", .type = SETTING_REAL, .min = 0, .max = 1, .fallback = "0.1",
    .follows = "convention", .default_for = alpha_for,
    .help = "running-statistics momentum: weight of the new batch (PyTorch's meaning; Keras uses 1 - alpha)" };
const CatalogSetting setting_eps = {
    .name = "eps", .type = SETTING_REAL, .min = 0, .max = 1, .fallback = "1e-5",
    .follows = "convention", .default_for = eps_for,
    .help = "epsilon added to the variance before the square root" };
const CatalogSetting setting_convention = {
    .name = "convention", .type = SETTING_ENUM, .choices = convention_choices, .fallback = "pytorch",
    .help = "whose running-statistics rules to follow" };
const CatalogSetting setting_lr = {
    .name = "lr", .type = SETTING_REAL, .min = 0, .max = 10, .fallback = "0.1",
    .help = "learning rate of gradient descent" };
const CatalogSetting setting_placement = {
    .name = "placement", .type = SETTING_ENUM, .choices = placement_choices, .fallback = "before",
    .help = "where BN sits: none, before or after the activation" };
const CatalogSetting setting_act = {
    .name = "act", .type = SETTING_ENUM, .choices = act_choices, .fallback = "sigmoid",
    .help = "activation function of the hidden layers" };
const CatalogSetting setting_hidden = {
    .name = "hidden", .type = SETTING_LIST, .min = 1, .max = 1024, .list_min = 1, .list_max = 8,
    .list_int = true, .fallback = "32,32", .help = "hidden layer widths, e.g. 100,100,100" };
const CatalogSetting setting_steps = {
    .name = "steps", .type = SETTING_INT, .min = 0, .max = 1000000, .fallback = "1000",
    .help = "how many training (or descent) steps the scene runs" };
const CatalogSetting setting_autoplay = {
    .name = "autoplay", .type = SETTING_BOOL, .fallback = "no",
    .help = "start animating as soon as the page opens" };
const CatalogSetting setting_speed = {
    .name = "speed", .type = SETTING_REAL, .min = 0.1, .max = 1000, .fallback = "20",
    .help = "animation speed in steps per second" };
const CatalogSetting setting_gamma = {
    .name = "gamma", .type = SETTING_LIST, .min = -100, .max = 100, .list_min = 1, .list_max = 64,
    .fallback = "1", .help = "initial gamma per feature (one value applies to every feature)" };
const CatalogSetting setting_beta = {
    .name = "beta", .type = SETTING_LIST, .min = -100, .max = 100, .list_min = 1, .list_max = 64,
    .fallback = "0", .help = "initial beta per feature (one value applies to every feature)" };
const CatalogSetting setting_layer = {
    .name = "layer", .type = SETTING_INT, .min = 0, .max = 8, .fallback = "0",
    .help = "which hidden layer to watch, from 1 (0: the last one)" };
const CatalogSetting setting_unit = {
    .name = "unit", .type = SETTING_INT, .min = 0, .max = 1023, .fallback = "0",
    .help = "which unit of that layer to watch, from 0" };

const CatalogSetting setting_norm = {
    .name = "norm", .type = SETTING_ENUM, .choices_of = norm_method_names, .fallback = "batch",
    .help = "which normalization method (the engine's table: batch, layer, instance, group, rms, ...)" };
const CatalogSetting setting_images = {
    .name = "images", .type = SETTING_ENUM, .choices = images_choices, .fallback = "fashion-mnist",
    .help = "28x28 images: Fashion-MNIST (shapes28 when it is not installed) or the synthetic shapes28" };

