/* A trained Mlp saved to and read from a small versioned text file (engine layer).
 *
 * The file, one item per line, numbers in %.17g so that reading gives back the same doubles bitwise:
 *     bntutor-weights 1                   magic and format version
 *     sizes 2,16,16,3                     input, hidden..., output
 *     act sigmoid                         sigmoid, tanh or relu
 *     bn before                           none, before or after
 *     task classify                       classify or regress
 *     convention pytorch 0.1 1e-05        running-statistics convention, its momentum and ε
 *     params 403                          the count, then one value a line in Mlp.params' layout
 *     running 16 1200                     per hidden layer with BN: width and batches folded in, then
 *                                         `width` means and `width` variances, one a line
 *     end
 * Blank lines and lines starting with '#' are skipped. */
#ifndef BNTUTOR_ENGINE_MLP_FILE_H
#define BNTUTOR_ENGINE_MLP_FILE_H

#include <stdbool.h>
#include <stdio.h>

#include "engine/mlp.h"
#include "util/error.h"

enum { MLP_FILE_VERSION = 1 };

/* Writes mlp to out; false with a message (where: path) when writing fails. */
bool mlp_file_write(const Mlp *mlp, FILE *out, const char *path, BnError *err);
/* Reads a network from in (named path in messages): a new Mlp with the file's configuration (its seed
 * 1, which only the weights it replaced depended on), parameters and running statistics. NULL with a
 * message "path:line: what is wrong" for a damaged, truncated or foreign file. */
Mlp *mlp_file_read(FILE *in, const char *path, BnError *err);

#endif
