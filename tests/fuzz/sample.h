/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sample site the config harnesses run against (tests/fuzz/sample.c):
 * the sample release's schema, and the effective config of the sample
 * site's config.yaml, validated in a scratch genconf directory.  Linking
 * sample.c also brings the LLVMFuzzerInitialize that loads it.
 */
#ifndef DCOS_FUZZ_SAMPLE_H
#define DCOS_FUZZ_SAMPLE_H

#include <jansson.h>

#include "schema.h"

struct fuzz_sample {
	struct schema	*schema;	/* sample/genconf/schema.yaml */
	json_t		*effective;	/* of sample/site/genconf/config.yaml */
	char		*genconf;	/* a scratch genconf/ with ip-detect */
};

/* Loads the sample once; aborts when it cannot (a broken build). */
const struct fuzz_sample *fuzz_sample(void);

#endif
