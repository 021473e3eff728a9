/* The settings several scenes share, defined once so "batch" means one thing on every page (scene layer). */
#ifndef BNTUTOR_SCENE_SETTINGS_H
#define BNTUTOR_SCENE_SETTINGS_H

#include "lesson/catalog.h"

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

#endif
