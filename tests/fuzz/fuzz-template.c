/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The template engine: a DC/OS package template ({{ var }}, switch/case,
 * for) rendered against the sample site's effective config.  Rendered
 * paths must stay relative and inside the config package.
 */
#include <config.h>

#include "fuzz.h"
#include "manifest.h"
#include "sample.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fuzz_sample	*s = fuzz_sample();
	struct tmpl_file		*files = NULL;
	struct diags			 d = { NULL, 0, 0 };
	size_t				 n = 0, i;

	if (template_render((const char *)data, size, "fuzz.yaml", s->schema,
	    s->effective, &files, &n, &d) == -1)
		abort();
	for (i = 0; i < n; i++) {
		if (d.n == 0 && !relpath_valid(files[i].path))
			fuzz_fail("rendered the path \"%s\"", files[i].path);
		free(files[i].path);
		free(files[i].content);
	}
	free(files);
	diags_clear(&d);
	return 0;
}
