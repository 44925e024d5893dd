/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.yaml as dcos-genconf reads it: the YAML loader, then validation
 * against the sample release's schema.  Every error has a position.
 */
#include <config.h>

#include "fuzz.h"
#include "sample.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fuzz_sample	*s = fuzz_sample();
	struct validation		 v;
	struct ynode			*root = NULL;
	char				*err = NULL;
	size_t				 i;

	if (yaml_load((const char *)data, size, "config.yaml", &root,
	    &err) == -1) {
		if (err == NULL)
			fuzz_fail("refused without a message");
		free(err);
		return 0;
	}
	memset(&v, 0, sizeof(v));
	if (validate_config(s->schema, root, "config.yaml", s->genconf,
	    &v) == 0) {
		for (i = 0; i < v.errors.n; i++)
			if (strncmp(v.errors.v[i].text, "config.yaml:", 12) !=
			    0 && v.errors.v[i].line > 0)
				fuzz_fail("error without its file: %s",
				    v.errors.v[i].text);
		if (v.errors.n == 0 && v.effective == NULL)
			fuzz_fail("valid without an effective config");
		free(diags_join(&v.errors));
	}
	validation_clear(&v);
	ynode_free(root);
	return 0;
}
