/* SPDX-License-Identifier: Apache-2.0 */
/*
 * schema.yaml as a release carries it: the schema language of
 * dcos-config.yaml(5) (types, defaults, conditions, checks, regexes,
 * derivations).  A schema that parses must look its parameters up.
 */
#include <config.h>

#include "fuzz.h"
#include "schema.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct schema	*s = NULL;
	char		*err = NULL;
	size_t		 i;

	if (schema_parse((const char *)data, size, "schema.yaml", &s,
	    &err) == 0) {
		for (i = 0; i < s->nparams; i++)
			if (schema_find(s, s->params[i].name) == NULL)
				fuzz_fail("cannot find %s", s->params[i].name);
	} else if (err == NULL)
		fuzz_fail("refused without a message");
	schema_free(s);
	free(err);
	return 0;
}
