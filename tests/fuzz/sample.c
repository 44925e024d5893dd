/* SPDX-License-Identifier: Apache-2.0 */
/* The sample site for the config harnesses (sample.h). */
#include <config.h>

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "fuzz.h"
#include "sample.h"

static struct fuzz_sample	 sample;
static char			 scratch[] = "/tmp/dcos-fuzz.XXXXXX";

static void
cleanup(void)
{
	char	*p;

	if (sample.genconf == NULL)
		return;
	if (asprintf(&p, "%s/ip-detect", sample.genconf) != -1) {
		unlink(p);
		free(p);
	}
	rmdir(sample.genconf);
	rmdir(scratch);
}

static char *
sample_file(const char *rel, size_t *lenp)
{
	char	*path, *buf, *err = NULL;

	if (asprintf(&path, "%s/sample/%s", FUZZ_SRCDIR, rel) == -1)
		abort();
	if (read_file(path, 1 << 20, &buf, lenp, &err) == -1) {
		fprintf(stderr, "fuzz: %s (set FUZZ_SRCDIR when building)\n",
		    err);
		abort();
	}
	free(path);
	return buf;
}

const struct fuzz_sample *
fuzz_sample(void)
{
	static const char	 ipdetect[] = "#!/bin/sh\necho 127.0.0.1\n";
	struct validation	 v;
	struct ynode		*root = NULL;
	char			*text, *err = NULL, *p;
	size_t			 len;

	if (sample.schema != NULL)
		return &sample;
	text = sample_file("genconf/schema.yaml", &len);
	if (schema_parse(text, len, "schema.yaml", &sample.schema, &err) == -1)
		fuzz_fail("sample schema: %s", err);
	free(text);
	if (mkdtemp(scratch) == NULL ||
	    asprintf(&sample.genconf, "%s/genconf", scratch) == -1 ||
	    mkdir(sample.genconf, 0700) == -1 ||
	    asprintf(&p, "%s/ip-detect", sample.genconf) == -1 ||
	    atomic_write_file(p, ipdetect, sizeof(ipdetect) - 1, 0755,
	    &err) == -1)
		fuzz_fail("scratch genconf: %s", err ? err : "mkdir");
	free(p);
	atexit(cleanup);
	text = sample_file("site/genconf/config.yaml", &len);
	memset(&v, 0, sizeof(v));
	if (yaml_load(text, len, "config.yaml", &root, &err) == -1 ||
	    validate_config(sample.schema, root, "config.yaml",
	    sample.genconf, &v) == -1 || v.errors.n > 0)
		fuzz_fail("sample config.yaml: %s",
		    err ? err : v.errors.n ? v.errors.v[0].text : "memory");
	sample.effective = json_incref(v.effective);
	validation_clear(&v);
	ynode_free(root);
	free(text);
	return &sample;
}

/* Loaded before the first input, so no run pays for it. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_sample();
	return 0;
}
