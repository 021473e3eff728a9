/* The scene catalogue's tables and value parsing: what every scene accepts from a lesson page (lesson layer). */
#include "lesson/catalog.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/norm.h"
#include "util/alloc.h"
#include "util/parse.h"

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- shared setting definitions: one meaning per name, whichever scene uses it ---- */

static const char *const dataset_choices[] = { "scaled2d", "blobs", "moons", "spirals", "synth784",
                                               "fashion-mnist", NULL };
static const char *const stage_choices[] = { "arrive", "stats", "normalize", "scale-shift", "running", NULL };
static const char *const convention_choices[] = { "pytorch", "keras", "paper", NULL };
static const char *const placement_choices[] = { "none", "before", "after", NULL };
static const char *const act_choices[] = { "sigmoid", "relu", "tanh", NULL };
static const char *const show_choices[] = { "raw", "normalized", "both", NULL };
static const char *const scale_choices[] = { "raw", "scaled", "both", NULL };
static const char *const mode_choices[] = { "train", "eval", "both", NULL };
static const char *const images_choices[] = { "fashion-mnist", "shapes28", NULL };

static const CatalogSetting set_seed = {
    .name = "seed", .type = SETTING_INT, .min = 0, .max = 2147483647, .fallback = "1",
    .help = "seed for the scene's data and initial weights (same seed, same pictures)" };
static const CatalogSetting set_dataset = {
    .name = "dataset", .type = SETTING_ENUM, .choices = dataset_choices, .fallback = "blobs",
    .help = "which data the scene draws its mini-batches from" };
static const CatalogSetting set_batch = {
    .name = "batch", .type = SETTING_INT, .min = 1, .max = 4096, .fallback = "32",
    .help = "mini-batch size (1 shows the batch-of-one pitfall)" };
static const CatalogSetting set_features = {
    .name = "features", .type = SETTING_INT, .min = 1, .max = 64, .fallback = "3",
    .help = "number of features (columns) shown" };
static const CatalogSetting set_stage = {
    .name = "stage", .type = SETTING_ENUM, .choices = stage_choices, .fallback = "arrive",
    .help = "the BN stage highlighted when the page opens" };
static const CatalogSetting set_alpha = {
    .name = "alpha", .type = SETTING_REAL, .min = 0, .max = 1, .fallback = "0.1",
    .help = "running-statistics momentum: weight of the new batch (PyTorch's meaning; Keras uses 1 - alpha)" };
static const CatalogSetting set_alpha2 = {
    .name = "alpha2", .type = SETTING_REAL, .min = 0, .max = 1, .fallback = "0",
    .help = "a second momentum drawn beside alpha for comparison (0: none)" };
static const CatalogSetting set_eps = {
    .name = "eps", .type = SETTING_REAL, .min = 0, .max = 1, .fallback = "1e-5",
    .help = "epsilon added to the variance before the square root" };
static const CatalogSetting set_convention = {
    .name = "convention", .type = SETTING_ENUM, .choices = convention_choices, .fallback = "pytorch",
    .help = "whose running-statistics rules to follow" };
static const CatalogSetting set_lr = {
    .name = "lr", .type = SETTING_REAL, .min = 0, .max = 10, .fallback = "0.1",
    .help = "learning rate of gradient descent" };
static const CatalogSetting set_placement = {
    .name = "placement", .type = SETTING_ENUM, .choices = placement_choices, .fallback = "before",
    .help = "where BN sits: none, before or after the activation" };
static const CatalogSetting set_act = {
    .name = "act", .type = SETTING_ENUM, .choices = act_choices, .fallback = "sigmoid",
    .help = "activation function of the hidden layers" };
static const CatalogSetting set_hidden = {
    .name = "hidden", .type = SETTING_LIST, .min = 1, .max = 1024, .list_min = 1, .list_max = 8,
    .list_int = true, .fallback = "32,32", .help = "hidden layer widths, e.g. 100,100,100" };
static const CatalogSetting set_steps = {
    .name = "steps", .type = SETTING_INT, .min = 0, .max = 1000000, .fallback = "1000",
    .help = "how many training (or descent) steps the scene runs" };
static const CatalogSetting set_autoplay = {
    .name = "autoplay", .type = SETTING_BOOL, .fallback = "no",
    .help = "start animating as soon as the page opens" };
static const CatalogSetting set_speed = {
    .name = "speed", .type = SETTING_REAL, .min = 0.1, .max = 1000, .fallback = "20",
    .help = "animation speed in steps per second" };
static const CatalogSetting set_gamma = {
    .name = "gamma", .type = SETTING_LIST, .min = -100, .max = 100, .list_min = 1, .list_max = 64,
    .fallback = "1", .help = "initial gamma per feature (one value applies to every feature)" };
static const CatalogSetting set_beta = {
    .name = "beta", .type = SETTING_LIST, .min = -100, .max = 100, .list_min = 1, .list_max = 64,
    .fallback = "0", .help = "initial beta per feature (one value applies to every feature)" };
static const CatalogSetting set_show = {
    .name = "show", .type = SETTING_ENUM, .choices = show_choices, .fallback = "both",
    .help = "which points the scatter shows: raw, normalized or both" };
static const CatalogSetting set_scale = {
    .name = "scale", .type = SETTING_ENUM, .choices = scale_choices, .fallback = "both",
    .help = "which loss surface to show: raw features, scaled features, or both side by side" };
static const CatalogSetting set_compare = {
    .name = "compare", .type = SETTING_BOOL, .fallback = "yes",
    .help = "also run the same network without BN, side by side" };
static const CatalogSetting set_layer = {
    .name = "layer", .type = SETTING_INT, .min = 0, .max = 8, .fallback = "0",
    .help = "which hidden layer to watch, from 1 (0: the last one)" };
static const CatalogSetting set_unit = {
    .name = "unit", .type = SETTING_INT, .min = 0, .max = 1023, .fallback = "0",
    .help = "which unit of that layer to watch, from 0" };
static const CatalogSetting set_check = {
    .name = "check", .type = SETTING_BOOL, .fallback = "yes",
    .help = "show the numerical (central difference) gradient check beside the analytic gradients" };
static const CatalogSetting set_mode = {
    .name = "mode", .type = SETTING_ENUM, .choices = mode_choices, .fallback = "both",
    .help = "show train-mode output, eval-mode output, or both" };
static const CatalogSetting set_fold = {
    .name = "fold", .type = SETTING_BOOL, .fallback = "no",
    .help = "show BN folded into the preceding linear layer" };
static const CatalogSetting set_baseline = {
    .name = "baseline", .type = SETTING_BOOL, .fallback = "no",
    .help = "also run the network without BN as a third contestant" };

static const CatalogSetting set_norm = {
    .name = "norm", .type = SETTING_ENUM, .choices_of = norm_method_names, .fallback = "batch",
    .help = "which normalization method (the engine's table: batch, layer, instance, group, ...)" };
static const CatalogSetting set_groups = {
    .name = "groups", .type = SETTING_INT, .min = 1, .max = 64, .fallback = "2",
    .help = "groups of channels for group normalization (must divide the channels)" };

static const CatalogSetting set_images = {
    .name = "images", .type = SETTING_ENUM, .choices = images_choices, .fallback = "fashion-mnist",
    .help = "28x28 images: Fashion-MNIST (shapes28 when it is not installed) or the synthetic shapes28" };

static const CatalogSetting *const all_settings[] = {
    &set_seed, &set_dataset, &set_batch, &set_features, &set_stage, &set_alpha, &set_alpha2, &set_eps,
    &set_convention, &set_lr, &set_placement, &set_act, &set_hidden, &set_steps, &set_autoplay,
    &set_speed, &set_gamma, &set_beta, &set_show, &set_scale, &set_compare, &set_layer, &set_unit,
    &set_check, &set_mode, &set_fold, &set_baseline, &set_norm, &set_groups, &set_images,
};

/* ---- scenes ---- */

static const CatalogSceneSetting input_norm_settings[] = {
    { &set_seed, NULL }, { &set_dataset, "scaled2d" }, { &set_batch, "200" }, { &set_show, NULL },
    { &set_autoplay, NULL },
};
static const CatalogLive input_norm_lives[] = {
    { "raw_mean", 1, "mean of raw column i" }, { "raw_var", 1, "variance of raw column i" },
    { "norm_mean", 1, "mean of standardized column i" }, { "norm_var", 1, "variance of standardized column i" },
};

static const CatalogSceneSetting loss_surface_settings[] = {
    { &set_seed, NULL }, { &set_scale, NULL }, { &set_lr, "0.01" }, { &set_steps, "200" },
    { &set_autoplay, NULL }, { &set_speed, NULL },
};
static const CatalogLive loss_surface_lives[] = {
    { "steps_raw", 0, "steps descent needed on the raw surface" },
    { "steps_scaled", 0, "steps descent needed on the scaled surface" },
    { "loss_raw", 0, "current loss on the raw surface" },
    { "loss_scaled", 0, "current loss on the scaled surface" },
};

static const CatalogSceneSetting drift_settings[] = {
    { &set_seed, NULL }, { &set_dataset, "synth784" }, { &set_hidden, "100,100,100" }, { &set_act, NULL },
    { &set_batch, "60" }, { &set_lr, NULL }, { &set_steps, "2000" }, { &set_placement, NULL },
    { &set_compare, NULL }, { &set_layer, NULL }, { &set_unit, NULL }, { &set_autoplay, NULL },
    { &set_speed, NULL },
};
static const CatalogLive drift_lives[] = {
    { "p15", 0, "15th percentile of the watched unit's input (without BN)" },
    { "p50", 0, "median of the watched unit's input (without BN)" },
    { "p85", 0, "85th percentile of the watched unit's input (without BN)" },
    { "bn_p15", 0, "15th percentile with BN" }, { "bn_p50", 0, "median with BN" },
    { "bn_p85", 0, "85th percentile with BN" },
    { "loss", 0, "current training loss" }, { "step", 0, "training steps taken" },
};

static const CatalogSceneSetting bn_stages_settings[] = {
    { &set_seed, NULL }, { &set_dataset, NULL }, { &set_batch, "8" }, { &set_features, NULL },
    { &set_stage, NULL }, { &set_gamma, NULL }, { &set_beta, NULL }, { &set_eps, NULL },
    { &set_alpha, NULL }, { &set_convention, NULL }, { &set_autoplay, NULL },
};
static const CatalogLive bn_stages_lives[] = {
    { "x", 2, "input activation x[r][c] (sample r, feature c)" },
    { "mean", 1, "batch mean of feature i" }, { "var", 1, "batch variance of feature i (biased)" },
    { "xhat", 2, "normalized activation" }, { "y", 2, "output after scale and shift" },
    { "running_mean", 1, "running mean of feature i after the update" },
    { "running_var", 1, "running variance of feature i after the update" },
};

static const CatalogSceneSetting gamma_beta_settings[] = {
    { &set_seed, NULL }, { &set_dataset, "moons" }, { &set_hidden, "16,16" }, { &set_act, "relu" },
    { &set_placement, NULL }, { &set_batch, NULL }, { &set_lr, NULL }, { &set_steps, "500" },
    { &set_layer, "1" }, { &set_autoplay, NULL }, { &set_speed, NULL },
};
static const CatalogLive gamma_beta_lives[] = {
    { "gamma", 1, "gamma of feature i of the watched layer" },
    { "beta", 1, "beta of feature i of the watched layer" },
    { "loss", 0, "current training loss" }, { "step", 0, "training steps taken" },
};

static const CatalogSceneSetting backprop_settings[] = {
    { &set_seed, NULL }, { &set_batch, "4" }, { &set_features, NULL }, { &set_gamma, NULL },
    { &set_beta, NULL }, { &set_eps, NULL }, { &set_check, NULL },
};
static const CatalogLive backprop_lives[] = {
    { "dx", 2, "gradient of the loss with respect to x[r][c]" },
    { "dgamma", 1, "gradient with respect to gamma of feature i" },
    { "dbeta", 1, "gradient with respect to beta of feature i" },
    { "max_error", 0, "largest relative difference between analytic and numerical gradients" },
    { "x", 2, "input x[r][c] of the batch" }, { "dy", 2, "upstream gradient dy[r][c] = y - t" },
};

static const CatalogSceneSetting running_stats_settings[] = {
    { &set_seed, NULL }, { &set_dataset, NULL }, { &set_batch, "16" }, { &set_features, NULL },
    { &set_alpha, NULL }, { &set_alpha2, NULL }, { &set_convention, NULL }, { &set_eps, NULL },
    { &set_steps, "300" }, { &set_autoplay, NULL }, { &set_speed, NULL },
};
static const CatalogLive running_stats_lives[] = {
    { "running_mean", 1, "running mean of feature i" }, { "running_var", 1, "running variance of feature i" },
    { "batch_mean", 1, "latest batch mean of feature i" }, { "batch_var", 1, "latest batch variance" },
    { "population_mean", 1, "mean of feature i over the whole data set" },
    { "population_var", 1, "variance of feature i over the whole data set" },
    { "step", 0, "batches seen" },
};

static const CatalogSceneSetting inference_settings[] = {
    { &set_seed, NULL }, { &set_dataset, NULL }, { &set_batch, "16" }, { &set_features, NULL },
    { &set_mode, NULL }, { &set_fold, NULL }, { &set_convention, NULL }, { &set_eps, NULL },
    { &set_alpha, NULL }, { &set_steps, "200" },
};
static const CatalogLive inference_lives[] = {
    { "train_y", 2, "train-mode output y[r][c] (batch statistics)" },
    { "eval_y", 2, "eval-mode output y[r][c] (running statistics)" },
    { "running_mean", 1, "running mean of feature i" }, { "running_var", 1, "running variance of feature i" },
    { "z", 2, "BN input z[r][c] of the current batch (sample 0 is the one shown)" },
    { "gamma", 1, "gamma of feature i" }, { "beta", 1, "beta of feature i" },
    { "fold_diff", 0, "largest |folded - (linear then BN eval)| over the batch" },
};

static const CatalogSceneSetting placement_settings[] = {
    { &set_seed, NULL }, { &set_dataset, "spirals" }, { &set_hidden, NULL }, { &set_act, "relu" },
    { &set_batch, NULL }, { &set_lr, NULL }, { &set_steps, NULL }, { &set_baseline, NULL },
    { &set_autoplay, NULL }, { &set_speed, NULL },
};
static const CatalogLive placement_lives[] = {
    { "loss_before", 0, "loss with BN before the activation" },
    { "loss_after", 0, "loss with BN after the activation" },
    { "acc_before", 0, "test accuracy with BN before" }, { "acc_after", 0, "test accuracy with BN after" },
    { "step", 0, "training steps taken" },
};

static const CatalogSceneSetting sandbox_settings[] = {
    { &set_seed, NULL }, { &set_dataset, "moons" }, { &set_hidden, "16,16" }, { &set_act, "relu" },
    { &set_placement, NULL }, { &set_batch, NULL }, { &set_lr, NULL }, { &set_steps, NULL },
    { &set_alpha, NULL }, { &set_eps, NULL }, { &set_convention, NULL }, { &set_autoplay, NULL },
    { &set_speed, NULL },
};
static const CatalogLive training_lives[] = {
    { "loss", 0, "current training loss" }, { "accuracy", 0, "test accuracy, 0 to 1" },
    { "step", 0, "training steps taken" },
};

static const CatalogSceneSetting real_data_settings[] = {
    { &set_seed, NULL }, { &set_dataset, "fashion-mnist" }, { &set_hidden, "100,100,100" },
    { &set_act, NULL }, { &set_placement, NULL }, { &set_batch, "60" }, { &set_lr, NULL },
    { &set_steps, NULL }, { &set_autoplay, NULL }, { &set_speed, NULL },
};
static const CatalogLive real_data_lives[] = {
    { "accuracy", 0, "test accuracy with BN, 0 to 1" }, { "plain_accuracy", 0, "test accuracy without BN, 0 to 1" },
    { "p15", 0, "15th percentile of the last-layer unit's input (without BN)" },
    { "p50", 0, "median of that input (without BN)" }, { "p85", 0, "85th percentile (without BN)" },
    { "bn_p15", 0, "15th percentile with BN" }, { "bn_p50", 0, "median with BN" },
    { "bn_p85", 0, "85th percentile with BN" },
    { "loss", 0, "training loss with BN" }, { "step", 0, "training steps taken" },
};

static const CatalogSceneSetting norm_sets_settings[] = {
    { &set_seed, NULL }, { &set_images, NULL }, { &set_batch, "4" }, { &set_norm, NULL },
    { &set_groups, NULL },
};
static const CatalogLive norm_sets_lives[] = {
    { "set_mean", 0, "mean of the highlighted set" }, { "set_var", 0, "variance of the highlighted set (biased)" },
    { "set_size", 0, "how many values the highlighted set averages" },
    { "sets", 0, "how many statistics (sets) the method computes for this batch" },
    { "set", 0, "number of the highlighted set, from 0" },
    { "mean", 1, "mean of set i" }, { "var", 1, "variance of set i (biased)" },
};

static const CatalogSceneSetting conv_bn_settings[] = {
    { &set_seed, NULL }, { &set_images, NULL }, { &set_batch, "12" }, { &set_lr, "0.05" }, { &set_alpha, NULL },
    { &set_steps, "600" }, { &set_autoplay, NULL }, { &set_speed, NULL },
};
static const CatalogLive conv_bn_lives[] = {
    { "loss", 0, "training loss of the last mini-batch" }, { "accuracy", 0, "test accuracy (eval mode), 0 to 1" },
    { "step", 0, "training steps taken" },
    { "set_size", 0, "values one channel's BN statistic averages in the watched block (batch x H x W)" },
    { "channels", 0, "channels of the watched block" },
    { "batch_mean", 1, "mean of channel i of the watched block's conv output over this batch" },
    { "batch_var", 1, "its variance over this batch (biased)" },
    { "running_mean", 1, "running mean of channel i" }, { "running_var", 1, "running variance of channel i" },
    { "pop_mean", 1, "mean of channel i over the whole training set at the current weights (every 50 steps)" },
    { "pop_var", 1, "variance of channel i over the whole training set at the current weights (biased)" },
    { "bn_mean", 1, "mean of channel i after BN over this batch (beta, up to epsilon)" },
    { "bn_var", 1, "variance of channel i after BN over this batch (gamma squared, up to epsilon)" },
    { "gamma", 1, "gamma of channel i" }, { "beta", 1, "beta of channel i" },
};

static const CatalogSceneSetting small_batch_settings[] = {
    { &set_seed, NULL }, { &set_images, NULL }, { &set_lr, "0.1" }, { &set_autoplay, NULL },
};
static const CatalogLive small_batch_lives[] = {
    { "step", 0, "SGD steps taken (32 training pictures each)" }, { "runs_done", 0, "runs finished, of 15" },
    { "bn_error", 1, "test error (0 to 1) with batch norm, eval mode, of the run at batch size i (2, 4, 8, 16, 32)" },
    { "gn_error", 1, "test error with group norm at batch size i" },
    { "ln_error", 1, "test error with layer norm at batch size i" },
    { "bn_train_error", 1, "test error of the BN net at batch size i with batch statistics of i test pictures" },
    { "bn_gap", 1, "bn_error[i] - bn_train_error[i]: what eval mode costs (or gains) at batch size i" },
};

#define SCENE(name, help, settings, lives) { name, help, settings, COUNT(settings), lives, COUNT(lives) }

static const CatalogScene scenes[] = {
    { "none", "prose only", NULL, 0, NULL, 0 },
    SCENE("input-norm", "raw and standardized scatter of two features on different scales",
          input_norm_settings, input_norm_lives),
    SCENE("loss-surface", "contour maps of the loss with gradient descent paths, raw vs scaled",
          loss_surface_settings, loss_surface_lives),
    SCENE("drift", "a hidden unit's input distribution over training, with and without BN",
          drift_settings, drift_lives),
    SCENE("bn-stages", "one BN forward pass on a live mini-batch, stage by stage",
          bn_stages_settings, bn_stages_lives),
    SCENE("gamma-beta", "gamma and beta evolving as a network trains", gamma_beta_settings, gamma_beta_lives),
    SCENE("backprop", "gradients through BN for x, gamma and beta, checked numerically",
          backprop_settings, backprop_lives),
    SCENE("running-stats", "running mean and variance converging under momentum alpha",
          running_stats_settings, running_stats_lives),
    SCENE("inference", "train-mode vs eval-mode output, batch of one, folding", inference_settings,
          inference_lives),
    SCENE("placement", "BN before vs after the activation, trained side by side", placement_settings,
          placement_lives),
    SCENE("sandbox", "a small network to play with every knob", sandbox_settings, training_lives),
    SCENE("real-data", "training on real images (Fashion-MNIST) with and without BN", real_data_settings,
          real_data_lives),
    SCENE("norm-sets", "which values batch, layer, instance and group normalization average", norm_sets_settings,
          norm_sets_lives),
    SCENE("conv-bn", "batch norm in a small conv net: per-channel statistics, before/after, running statistics",
          conv_bn_settings, conv_bn_lives),
    SCENE("small-batch", "batch, group and layer norm trained at batch sizes 2 to 32: test error against batch size",
          small_batch_settings, small_batch_lives),
};

int catalog_scene_count(void) { return COUNT(scenes); }

const CatalogScene *catalog_scene_at(int index)
{
    return index >= 0 && index < COUNT(scenes) ? &scenes[index] : NULL;
}

const CatalogScene *catalog_scene_find(const char *name)
{
    for (int i = 0; i < COUNT(scenes); i++)
        if (strcmp(scenes[i].name, name) == 0)
            return &scenes[i];
    return NULL;
}

const CatalogScene *catalog_scene_none(void) { return &scenes[0]; }

int catalog_setting_count(void) { return COUNT(all_settings); }

const CatalogSetting *catalog_setting_at(int index)
{
    return index >= 0 && index < COUNT(all_settings) ? all_settings[index] : NULL;
}

const CatalogSetting *catalog_setting_find(const char *name)
{
    for (int i = 0; i < COUNT(all_settings); i++)
        if (strcmp(all_settings[i]->name, name) == 0)
            return all_settings[i];
    return NULL;
}

const CatalogSceneSetting *catalog_scene_setting(const CatalogScene *scene, const char *name)
{
    for (int i = 0; scene && i < scene->setting_count; i++)
        if (strcmp(scene->settings[i].setting->name, name) == 0)
            return &scene->settings[i];
    return NULL;
}

const CatalogLive *catalog_scene_live(const CatalogScene *scene, const char *name)
{
    for (int i = 0; scene && i < scene->live_count; i++)
        if (strcmp(scene->lives[i].name, name) == 0)
            return &scene->lives[i];
    return NULL;
}

const char *catalog_scene_setting_default(const CatalogSceneSetting *entry)
{
    return entry->fallback ? entry->fallback : entry->setting->fallback;
}

/* ---- values ---- */

const char *const *catalog_setting_choices(const CatalogSetting *setting)
{
    return setting->choices_of ? setting->choices_of() : setting->choices;
}

const char *catalog_setting_describe(const CatalogSetting *setting, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    switch (setting->type) {
    case SETTING_INT:
    case SETTING_REAL:
        snprintf(buf, size, "%.10g to %.10g", setting->min, setting->max);
        break;
    case SETTING_LIST:
        snprintf(buf, size, "%d to %d comma-separated %s from %.10g to %.10g", setting->list_min,
                 setting->list_max, setting->list_int ? "whole numbers" : "numbers", setting->min,
                 setting->max);
        break;
    case SETTING_BOOL:
        snprintf(buf, size, "yes or no");
        break;
    case SETTING_ENUM:
        for (int i = 0; catalog_setting_choices(setting)[i] && used + 1 < size; i++) {
            int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", catalog_setting_choices(setting)[i]);
            if (n < 0)
                break;
            used += (size_t)n;
        }
        break;
    }
    return buf;
}

static void trim_copy(char *dst, size_t size, const char *src)
{
    while (*src && isspace((unsigned char)*src))
        src++;
    size_t len = strlen(src);
    while (len > 0 && isspace((unsigned char)src[len - 1]))
        len--;
    if (len >= size)
        len = size - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

static bool whole(double v) { return floor(v) == v; }

/* Parses one number of a list or a plain int/real: sets why on failure. `what` names it in messages. */
static bool parse_number(const CatalogSetting *s, const char *text, bool integer, const char *what,
                         double *out, char *why, size_t why_size)
{
    char range[128];
    snprintf(range, sizeof range, "%.10g to %.10g", s->min, s->max);
    double v;
    if (!parse_double(text, &v)) {
        snprintf(why, why_size, "%s must be %s from %s, not '%.60s'", what,
                 integer ? "a whole number" : "a number", range, text);
        return false;
    }
    if (integer && !whole(v)) {
        snprintf(why, why_size, "%s must be a whole number from %s, not '%.60s'", what, range, text);
        return false;
    }
    if (v < s->min || v > s->max) {
        snprintf(why, why_size, "%s = %.60s is out of range (allowed: %s)", what, text, range);
        return false;
    }
    *out = v;
    return true;
}

bool catalog_value_parse(const CatalogSetting *s, const char *text, SettingValue *out, char *why,
                         size_t why_size)
{
    char value[512], what[96], allowed[256];
    memset(out, 0, sizeof *out);
    trim_copy(value, sizeof value, text);
    snprintf(what, sizeof what, "'%s'", s->name);
    if (strlen(text) >= sizeof value) {
        snprintf(why, why_size, "the value of '%s' is too long", s->name);
        return false;
    }
    if (value[0] == '\0') {
        snprintf(why, why_size, "'%s' needs a value (allowed: %s)", s->name,
                 catalog_setting_describe(s, allowed, sizeof allowed));
        return false;
    }
    switch (s->type) {
    case SETTING_INT:
    case SETTING_REAL: {
        double v;
        if (!parse_number(s, value, s->type == SETTING_INT, what, &v, why, why_size))
            return false;
        out->real = v;
        out->integer = (long)v;
        return true;
    }
    case SETTING_BOOL: {
        static const char *const yes[] = { "yes", "true", "on", "1" };
        static const char *const no[] = { "no", "false", "off", "0" };
        for (int i = 0; i < 4; i++) {
            if (strcasecmp(value, yes[i]) == 0 || strcasecmp(value, no[i]) == 0) {
                out->integer = strcasecmp(value, yes[i]) == 0;
                out->real = (double)out->integer;
                return true;
            }
        }
        snprintf(why, why_size, "'%s' must be yes or no (or true/false, on/off, 1/0), not '%.60s'",
                 s->name, value);
        return false;
    }
    case SETTING_ENUM: {
        const char *const *choices = catalog_setting_choices(s);
        int n = 0;
        for (; choices[n]; n++) {
            if (strcmp(value, choices[n]) == 0) {
                out->integer = n;
                out->real = n;
                return true;
            }
        }
        const char *near = catalog_closest(value, choices, n);
        char hint[96] = "";
        if (near)
            snprintf(hint, sizeof hint, "; did you mean '%s'?", near);
        snprintf(why, why_size, "'%s' cannot be '%.60s' (allowed: %s%s)", s->name, value,
                 catalog_setting_describe(s, allowed, sizeof allowed), hint);
        return false;
    }
    case SETTING_LIST: {
        int count = 1;
        for (const char *p = value; *p; p++)
            count += *p == ',';
        if (count < s->list_min || count > s->list_max) {
            snprintf(why, why_size, "'%s' needs %d to %d comma-separated items, not %d", s->name,
                     s->list_min, s->list_max, count);
            return false;
        }
        double *items = xmalloc(sizeof *items * (size_t)count);
        const char *p = value;
        for (int i = 0; i < count; i++) {
            const char *comma = strchr(p, ',');
            size_t len = comma ? (size_t)(comma - p) : strlen(p);
            char item[128];
            if (len >= sizeof item)
                len = sizeof item - 1;
            memcpy(item, p, len);
            item[len] = '\0';
            char item_what[128];
            snprintf(item_what, sizeof item_what, "item %d of '%s'", i + 1, s->name);
            if (!parse_number(s, item, s->list_int, item_what, &items[i], why, why_size)) {
                free(items);
                return false;
            }
            p = comma ? comma + 1 : p + len;
        }
        out->items = items;
        out->item_count = count;
        return true;
    }
    }
    snprintf(why, why_size, "'%s' has an unknown type", s->name);
    return false;
}

void catalog_value_free(SettingValue *value)
{
    if (!value)
        return;
    free(value->items);
    value->items = NULL;
    value->item_count = 0;
}

/* Edit distance with two rows; names are short, and longer words are never typos of them. */
static int edit_distance(const char *a, const char *b)
{
    enum { MAXLEN = 64 };
    size_t la = strlen(a), lb = strlen(b);
    if (la >= MAXLEN || lb >= MAXLEN)
        return MAXLEN;
    int prev[MAXLEN + 1], cur[MAXLEN + 1];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            int best = prev[j - 1] + cost;
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            cur[j] = best;
        }
        memcpy(prev, cur, sizeof(int) * (lb + 1));
    }
    return prev[lb];
}

const char *catalog_closest(const char *word, const char *const *names, int n)
{
    const char *best = NULL;
    int best_d = 1 << 20;
    int len = (int)strlen(word);
    int limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
    for (int i = 0; i < n; i++) {
        int d = edit_distance(word, names[i]);
        /* A prefix of the right name (e.g. "running" for "running-stats") is a likely slip too... */
        size_t name_len = strlen(names[i]);
        if (len >= 3 && strncmp(names[i], word, (size_t)len) == 0 && d > limit)
            d = limit;
        /* ...and so is the right name with something glued on (e.g. "batchsize" for "batch"). */
        if (name_len >= 4 && strncmp(names[i], word, name_len) == 0 && d > limit)
            d = limit;
        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    return best_d <= limit ? best : NULL;
}
