/* Test support: hands every scene's schema to the lesson layer before any test runs, as main() does. */
#include "scene/scene.h"

__attribute__((constructor)) static void catalog_install_for_tests(void) { scene_catalog_install(); }
