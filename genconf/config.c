/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_compile(): genconf/config.yaml + the release's schema and
 * templates -> the effective config and the config package's files.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicio.h"
#include "digest.h"
#include "error.h"
#include "jsonio.h"
#include "schema.h"
#include "siteconf.h"
#include "ytree.h"

/* A config.yaml is a page of settings; anything this big is a mistake. */
#define CONFIG_MAX	(1024 * 1024)
#define CONFIG_NAME	"config.yaml"
#define MASK		"********"

static void
files_free(struct config_file *f, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(f[i].path);
		free(f[i].owner);
		if (f[i].content != NULL)
			explicit_bzero(f[i].content, f[i].len);
		free(f[i].content);
	}
	free(f);
}

void
config_output_free(struct config_output *o)
{
	if (o == NULL)
		return;
	json_decref(o->effective);
	files_free(o->files, o->nfiles);
	free(o->warnings);
	memset(o, 0, sizeof(*o));
}

static int
file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct config_file *)a)->path,
	    ((const struct config_file *)b)->path);
}

static int
load_schema(const struct release *rel, struct schema **sp, char **errp)
{
	if (rel->schema.text == NULL)
		return err_set(errp, "the release carries no genconf schema: "
		    "it cannot be configured with this dcos-genconf");
	return schema_parse(rel->schema.text, rel->schema.len,
	    rel->schema.path != NULL ? rel->schema.path : "genconf/schema.yaml",
	    sp, errp);
}

/*
 * Renders every template of the release with the effective config into
 * *filesp, sorted by path (*np of them, the caller's to files_free()):
 * 0, or -1 with *errs set to the templates' diagnostics or "out of memory".
 */
static int
render_templates(const struct release *rel, const struct schema *s,
    const json_t *effective, struct config_file **filesp, size_t *np,
    char **errs)
{
	struct diags		 td = { NULL, 0, 0 };
	struct tmpl_file	*tf = NULL;
	struct config_file	*files = NULL;
	size_t			 ntf = 0, i;
	int			 rc = -1;

	for (i = 0; i < rel->ntemplates; i++)
		if (template_render(rel->templates[i].text,
		    rel->templates[i].len, rel->templates[i].path, s,
		    effective, &tf, &ntf, &td) == -1) {
			err_set(errs, "out of memory");
			goto out;
		}
	if ((files = calloc(ntf + 1, sizeof(*files))) == NULL) {
		err_set(errs, "out of memory");
		goto out;
	}
	for (i = 0; i < ntf; i++) {
		files[i].path = tf[i].path;
		files[i].content = tf[i].content;
		files[i].len = tf[i].len;
		files[i].mode = tf[i].mode;
		files[i].secret = tf[i].secret;
		files[i].windows = tf[i].windows;
		files[i].owner = tf[i].owner;
	}
	free(tf);
	tf = NULL;
	qsort(files, ntf, sizeof(*files), file_cmp);
	for (i = 1; i < ntf; i++)
		if (strcmp(files[i].path, files[i - 1].path) == 0 &&
		    diags_add(&td, "genconf/templates", 1, 1, files[i].path,
		    "two templates write this file: keep one") == -1) {
			err_set(errs, "out of memory");
			goto out;
		}
	if (td.n > 0) {
		free(*errs);
		*errs = diags_join(&td);
		goto out;
	}
	*filesp = files;
	*np = ntf;
	files = NULL;
	rc = 0;
out:
	if (tf != NULL)
		for (i = 0; i < ntf; i++) {
			free(tf[i].path);
			free(tf[i].owner);
			explicit_bzero(tf[i].content, tf[i].len);
			free(tf[i].content);
		}
	free(tf);
	if (files != NULL)
		files_free(files, ntf);
	diags_clear(&td);
	return rc;
}

/*
 * Windows agents run the release's Windows packages: a site that lists
 * some for a release without any is refused, in one line.
 */
static int
check_windows_lists(const struct release *rel, const struct ynode *root,
    const json_t *eff, char **errs)
{
	static const char *const keys[] = {
		"windows_agent_list", "windows_public_agent_list"
	};
	const struct ynode	*n;
	size_t			 i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (json_array_size(json_object_get(eff, keys[i])) > 0 &&
		    !release_has_windows(rel->rm)) {
			free(*errs);
			*errs = NULL;
			/* FILE:LINE:COL: key: message, as the validator's. */
			n = ymap_get(root, keys[i]);
			return err_set(errs, "%s:%d:%d: %s: lists Windows "
			    "agents, but release %s-%s has no Windows package: "
			    "remove them or use a release that has one",
			    CONFIG_NAME, n != NULL ? n->line : 1,
			    n != NULL ? n->col : 1, keys[i], rel->rm->name,
			    rel->rm->version);
		}
	return 0;
}

/* Reads genconf_dir/config.yaml into *rootp: 0, or -1 with *errs set. */
static int
load_config(const char *genconf_dir, struct ynode **rootp, char **errs)
{
	char	*path = NULL, *buf = NULL, *err = NULL;
	size_t	 len = 0;
	int	 rc = -1;

	if ((path = path_join(genconf_dir, CONFIG_NAME)) == NULL) {
		err_set(errs, "out of memory");
		goto out;
	}
	if (read_file(path, CONFIG_MAX, &buf, &len, &err) == -1) {
		if (errno == ENOENT)
			err_set(errs, "%s: no such file: write the site's "
			    "parameters there (see dcos-config.yaml(5))", path);
		else
			err_set(errs, "%s", err);
		goto out;
	}
	rc = yaml_load(buf, len, CONFIG_NAME, rootp, errs);
out:
	if (buf != NULL)
		explicit_bzero(buf, len);
	free(buf);
	free(err);
	free(path);
	return rc;
}

int
config_compile(const struct release *rel, const char *genconf_dir,
    struct config_output *out, char **errs)
{
	struct schema		*s = NULL;
	struct ynode		*root = NULL;
	struct validation	 v;
	int			 rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&v, 0, sizeof(v));
	if (load_schema(rel, &s, errs) == -1)
		return -1;
	if (load_config(genconf_dir, &root, errs) == -1)
		goto out;
	if (validate_config(s, root, CONFIG_NAME, genconf_dir, &v) == -1) {
		err_set(errs, "out of memory");
		goto out;
	}
	if (v.warnings.n > 0)
		out->warnings = diags_join(&v.warnings);
	if (v.errors.n > 0) {
		free(*errs);
		*errs = diags_join(&v.errors);
		goto out;
	}
	if (check_windows_lists(rel, root, v.effective, errs) == -1 ||
	    render_templates(rel, s, v.effective, &out->files, &out->nfiles,
	    errs) == -1)
		goto out;
	out->effective = v.effective;
	v.effective = NULL;
	rc = 0;
out:
	if (rc == -1) {
		free(out->warnings);
		out->warnings = NULL;
		if (*errs == NULL)
			err_set(errs, "out of memory");
	}
	validation_clear(&v);
	ynode_free(root);
	schema_free(s);
	return rc;
}

int
config_id(const json_t *effective, const struct digest *release,
    char out[DIGEST_HEXLEN + 1])
{
	char		 rd[DIGEST_STRSZ], *canon;
	json_t		*j;
	struct digest	 d;

	digest_format(release, rd);
	if ((j = json_pack("{s:O, s:s}", "config", (json_t *)effective,
	    "release", rd)) == NULL)
		return -1;
	canon = jsonio_canonical(j);
	json_decref(j);
	if (canon == NULL)
		return -1;
	digest_buf(canon, strlen(canon), &d);
	explicit_bzero(canon, strlen(canon));
	free(canon);
	digest_hex(&d, out);
	return 0;
}

/* Is this parameter's value calculated under this configuration? */
static int
is_derived(const struct param *p, const json_t *eff)
{
	return p->derive != DV_NONE && conds_hold(eff, &p->derive_when);
}

int
config_show(const struct release *rel, const json_t *eff, int reveal,
    char **textp, char **errp)
{
	struct schema		*s = NULL;
	const struct param	*p;
	const json_t		*v, *src;
	FILE			*fp;
	char			*buf = NULL, *val;
	size_t			 len = 0, i;
	int			 rc = -1, derived;

	*textp = NULL;
	if (load_schema(rel, &s, errp) == -1)
		return -1;
	if ((fp = open_memstream(&buf, &len)) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	fputs("# Effective configuration: defaults applied.  Feed it back as "
	    "genconf/config.yaml\n# for the same config id", fp);
	fputs(reveal ? ".\n" : " (secrets masked: put them back first).\n",
	    fp);
	for (i = 0; i < s->nparams; i++) {
		p = &s->params[i];
		if ((v = json_object_get(eff, p->name)) == NULL)
			continue;
		derived = is_derived(p, eff);
		/* A default is the release's, not a secret of the site. */
		if (p->secret && !reveal && !(p->def != NULL &&
		    json_equal(v, p->def))) {
			fprintf(fp, "%s%s: \"%s\"  # secret\n", derived ? "# " :
			    "", p->name, MASK);
			continue;
		}
		/* JSON scalars and flow lists are valid YAML, types kept. */
		if ((val = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) ==
		    NULL) {
			fclose(fp);
			err_set(errp, "out of memory");
			goto out;
		}
		src = p->from != NULL ? json_object_get(eff, p->from) : NULL;
		if (derived && p->derive == DV_CONTENTS && json_is_string(v) &&
		    json_is_string(src))
			/* A script is long, and its file is at hand. */
			fprintf(fp, "# %s (calculated): the %zu bytes of %s\n",
			    p->name, json_string_length(v),
			    json_string_value(src));
		else if (derived && p->derive == DV_CONTENTS)
			fprintf(fp, "# %s (calculated): as %s\n", p->name,
			    p->fallback != NULL ? p->fallback : "its source");
		else if (derived)
			/* json_dumps escapes newlines: one comment line. */
			fprintf(fp, "# %s (calculated): %s\n", p->name, val);
		else
			fprintf(fp, "%s: %s\n", p->name, val);
		free(val);
	}
	if (fclose(fp) != 0) {
		err_set(errp, "out of memory");
		goto out;
	}
	*textp = buf;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	schema_free(s);
	return rc;
}
