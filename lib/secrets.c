/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Secrets bundles: {"format": 1, "config_id": ID, "role": ROLE, "files":
 * [{"path", "mode", "content": base64, "owner"}]} as canonical JSON
 * ("owner" only for a file root does not own), sealed with
 * the context "dcos-secrets v1 <config id> <role>", so a bundle opens
 * only as the bundle of its own config and role.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "base64.h"
#include "error.h"
#include "jsonio.h"
#include "manifest.h"
#include "pkginfo.h"
#include "secrets.h"

static char *
context(const char *config_id, const char *role)
{
	char	*s;

	if (asprintf(&s, "dcos-secrets v1 %s %s", config_id, role) == -1)
		return NULL;
	return s;
}

int
secrets_owner_check(const char *owner, char **errp)
{
	char	 shown[41];
	size_t	 i;

	if (strcmp(owner, "root") == 0 || pkginfo_username_check(owner,
	    NULL) == 0)
		return 0;
	/* Hostile input: one printable line, whatever the name holds. */
	for (i = 0; i < sizeof(shown) - 1 && owner[i] != '\0'; i++)
		shown[i] = owner[i] >= 0x20 && owner[i] < 0x7f ? owner[i] : '?';
	shown[i] = '\0';
	return err_set(errp, "owner '%s%s' must be root or 'dcos_' followed "
	    "by a-z, 0-9 and '_' (at most 32 characters), a user a package "
	    "declares (pkginfo.json username), e.g. dcos_exhibitor", shown,
	    owner[i] != '\0' ? "..." : "");
}

const char *
secrets_owner(const char *owner)
{
	return owner != NULL ? owner : "root";
}

/*
 * The rules of one file: a package path, no group or other bits, root
 * or a package's user as its owner.
 */
static int
file_check(const char *path, unsigned long long mode, const char *owner,
    char **errp)
{
	if (pkg_path_check(path, errp) == -1 || pkg_mode_check(mode,
	    errp) == -1)
		return -1;
	if ((mode & 077) != 0)
		return err_set(errp, "%s: a secret file readable by others "
		    "(mode %04llo)", path, mode);
	if (owner != NULL && secrets_owner_check(owner, errp) == -1)
		return err_wrap(errp, "%s", path);
	return 0;
}

/* Wipes and frees a JSON text that held secrets. */
static void
text_free(char *t)
{
	if (t == NULL)
		return;
	OPENSSL_cleanse(t, strlen(t));
	free(t);
}

int
secrets_seal(const struct seal_key *k, const char *config_id,
    const char *role, const struct secret_file *files, size_t n,
    uint8_t **boxp, size_t *lenp, char **errp)
{
	json_t	*root = NULL, *list, *o;
	char	*b64 = NULL, *text = NULL, *ctx = NULL;
	size_t	 i;
	int	 bad = 0, rc = -1;

	*boxp = NULL;
	if (n > SECRETS_MAX_FILES)
		return err_set(errp, "more than %d secret files",
		    SECRETS_MAX_FILES);
	if ((root = json_pack("{s:i, s:s, s:s, s:[]}", "format", 1,
	    "config_id", config_id, "role", role, "files")) == NULL)
		goto oom;
	list = json_object_get(root, "files");
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(files[i - 1].path, files[i].path) >= 0) {
			err_set(errp, "secret files not sorted or listed twice "
			    "(%s)", files[i].path);
			goto out;
		}
		if (file_check(files[i].path, files[i].mode, files[i].owner,
		    errp) == -1)
			goto out;
		if ((b64 = malloc(BASE64_LEN(files[i].len) + 1)) == NULL)
			goto oom;
		base64_encode(files[i].content, files[i].len, b64);
		o = json_pack("{s:s, s:i, s:s}", "path", files[i].path,
		    "mode", (json_int_t)files[i].mode, "content", b64);
		text_free(b64);
		b64 = NULL;
		/* Absent for root: bundles from before owners keep their bytes. */
		if (o != NULL && strcmp(secrets_owner(files[i].owner), "root") !=
		    0)
			bad |= json_object_set_new(o, "owner",
			    json_string(files[i].owner)) == -1;
		bad |= o == NULL || json_array_append_new(list, o) == -1;
	}
	if (bad || (text = jsonio_canonical(root)) == NULL ||
	    (ctx = context(config_id, role)) == NULL)
		goto oom;
	if (seal_box(k, ctx, (const uint8_t *)text, strlen(text), boxp, lenp,
	    errp) == -1)
		goto out;
	rc = 0;
	goto out;
oom:
	err_set(errp, "out of memory");
out:
	text_free(text);
	free(ctx);
	/* jansson's copies of the base64 text go with root. */
	json_decref(root);
	return rc;
}

void
secrets_bundle_free(struct secrets_bundle *b)
{
	size_t	 i;

	if (b == NULL)
		return;
	for (i = 0; i < b->nfiles; i++) {
		free(b->files[i].path);
		free(b->files[i].owner);
		if (b->files[i].content != NULL)
			OPENSSL_cleanse(b->files[i].content, b->files[i].len);
		free(b->files[i].content);
	}
	free(b->files);
	free(b->role);
	free(b);
}

static int
file_parse(const json_t *o, struct secret_file *f, char **errp)
{
	const char	*path, *b64, *owner = NULL;
	const json_t	*ov;
	json_int_t	 mode;
	size_t		 blen;
	long		 n;

	if (!json_is_object(o) || (path = json_string_value(json_object_get(o,
	    "path"))) == NULL || (b64 = json_string_value(json_object_get(o,
	    "content"))) == NULL || !json_is_integer(json_object_get(o,
	    "mode")))
		return err_set(errp, "a file is not {path, mode, content, "
		    "owner}");
	if ((ov = json_object_get(o, "owner")) != NULL &&
	    (owner = json_string_value(ov)) == NULL)
		return err_set(errp, "%s: owner is not a string", path);
	mode = json_integer_value(json_object_get(o, "mode"));
	if (mode < 0 || file_check(path, (unsigned long long)mode, owner,
	    errp) == -1)
		return -1;
	if ((f->path = strdup(path)) == NULL || (owner != NULL &&
	    (f->owner = strdup(owner)) == NULL))
		return err_set(errp, "out of memory");
	f->mode = (mode_t)mode;
	blen = strlen(b64);
	if ((f->content = malloc(blen / 4 * 3 + 1)) == NULL)
		return err_set(errp, "out of memory");
	if ((n = base64_decode(b64, blen, f->content, blen / 4 * 3 + 1)) < 0)
		return err_set(errp, "%s: content is not base64", path);
	f->len = (size_t)n;
	return 0;
}

int
secrets_open(const struct seal_key *k, const char *config_id,
    const char *role, const uint8_t *box, size_t len,
    struct secrets_bundle **bp, char **errp)
{
	struct secrets_bundle	*b = NULL;
	json_t			*root = NULL, *list;
	uint8_t			*pt = NULL;
	char			*ctx = NULL;
	size_t			 ptlen = 0, i;
	int			 rc = -1;

	*bp = NULL;
	if ((ctx = context(config_id, role)) == NULL)
		return err_set(errp, "out of memory");
	if (seal_open(k, ctx, box, len, &pt, &ptlen, errp) == -1)
		goto out;
	/* Authenticated: what follows checks the sender kept the format. */
	if ((root = json_loadb((const char *)pt, ptlen, JSON_REJECT_DUPLICATES,
	    NULL)) == NULL || !json_is_object(root) ||
	    json_integer_value(json_object_get(root, "format")) != 1 ||
	    !json_is_string(json_object_get(root, "config_id")) ||
	    strcmp(json_string_value(json_object_get(root, "config_id")),
	    config_id) != 0 || !json_is_string(json_object_get(root, "role")) ||
	    strcmp(json_string_value(json_object_get(root, "role")), role) !=
	    0 || !json_is_array(list = json_object_get(root, "files")) ||
	    json_array_size(list) > SECRETS_MAX_FILES) {
		err_set(errp, "not a format 1 secrets bundle of config %s, "
		    "role %s", config_id, role);
		goto out;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL || (b->role = strdup(role)) ==
	    NULL || (b->files = calloc(json_array_size(list) + 1,
	    sizeof(*b->files))) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	for (i = 0; i < json_array_size(list); i++) {
		b->nfiles = i + 1;
		if (file_parse(json_array_get(list, i), &b->files[i], errp) ==
		    -1)
			goto out;
		if (i > 0 && strcmp(b->files[i - 1].path, b->files[i].path) >=
		    0) {
			err_set(errp, "secret files not sorted or listed "
			    "twice (%s)", b->files[i].path);
			goto out;
		}
	}
	*bp = b;
	b = NULL;	/* transferred */
	rc = 0;
out:
	if (pt != NULL)
		OPENSSL_cleanse(pt, ptlen);
	free(pt);
	free(ctx);
	json_decref(root);
	secrets_bundle_free(b);
	return rc;
}
