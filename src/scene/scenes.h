/* Every scene class, one per visualization, each defined in its own scene_<name>.c (scene layer). */
#ifndef BNTUTOR_SCENE_SCENES_H
#define BNTUTOR_SCENE_SCENES_H

#include "scene/scene.h"

extern const SceneClass scene_none;          /* prose only */
extern const SceneClass scene_input_norm;
extern const SceneClass scene_loss_surface;
extern const SceneClass scene_drift;
extern const SceneClass scene_bn_stages;
extern const SceneClass scene_gamma_beta;
extern const SceneClass scene_backprop;
extern const SceneClass scene_running_stats;
extern const SceneClass scene_inference;
extern const SceneClass scene_placement;
extern const SceneClass scene_sandbox;
extern const SceneClass scene_real_data;
extern const SceneClass scene_norm_sets;
extern const SceneClass scene_conv_bn;
extern const SceneClass scene_small_batch;

#endif
