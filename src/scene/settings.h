/* The settings several scenes share, defined once so "batch" means one thing on every page (scene layer). */
#ifndef BNTUTOR_SCENE_SETTINGS_H
#define BNTUTOR_SCENE_SETTINGS_H

#include "engine/batchnorm.h"
#include "lesson/catalog.h"
#include "lesson/lesson.h"

/* A scene lists the ones it offers in its own table, with its own default where it differs:
 * { &setting_batch, "8" }. A setting only one scene uses is defined in that scene's file. */
extern const CatalogSetting setting_seed;
extern const CatalogSetting setting_dataset;
extern const CatalogSetting setting_batch;
extern const CatalogSetting setting_features;
extern const CatalogSetting setting_alpha;
extern const CatalogSetting setting_eps;
extern const CatalogSetting setting_convention;
extern const CatalogSetting setting_lr;
extern const CatalogSetting setting_placement;
extern const CatalogSetting setting_act;
extern const CatalogSetting setting_hidden;
extern const CatalogSetting setting_steps;
extern const CatalogSetting setting_autoplay;
extern const CatalogSetting setting_speed;
extern const CatalogSetting setting_gamma;
extern const CatalogSetting setting_beta;
extern const CatalogSetting setting_layer;
extern const CatalogSetting setting_unit;
extern const CatalogSetting setting_images;
extern const CatalogSetting setting_norm;       /* the engine's normalization methods, by name */

/* Item i of a page's list setting (gamma = 1,2,3); past the last item, the last one repeats, so one
 * value applies to every feature. The parser guarantees at least one item. */
double setting_list_item(const LessonPage *page, const char *name, int i);

/* A page's rule for batch norm's running statistics: whose convention, ε, α (the batch's weight, in
 * PyTorch's meaning) and the engine's momentum in the convention's own meaning. */
typedef struct BnRule {
    BnConvention convention;
    double eps, alpha, momentum;
} BnRule;

/* A convention's own ε and α: pytorch 1e-5 and 0.1; keras 1e-3 and 0.01 (its momentum 0.99 weighs the
 * old value); paper 1e-5, and α unused (0.1 for the knob). The parser's defaults for eps and alpha. */
void bnrule_defaults(BnConvention convention, double *eps, double *alpha);
/* The momentum the engine wants for α in a convention (keras: 1 − α, paper: unused, 0). */
double bnrule_momentum(BnConvention convention, double alpha);
/* The page's rule, from its resolved convention, eps and alpha; a setting the scene does not offer is
 * the convention's default (PyTorch's without a convention). Every scene with BN reads it here. */
BnRule bnrule_of_page(const LessonPage *page);

#endif
