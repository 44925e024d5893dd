/*
 * missing: the blobs of a cluster manifest that a cache directory does not
 * hold yet, one line each: "sha256:<hex> <size> <path>".  The cache has
 * the store's layout (blobs/sha256/<hex>), so a --download-only directory
 * or a copy of a store can serve as one.
 */
#include <config.h>

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bootstrap.h"
#include "digest.h"
#include "error.h"
#include "log.h"
#include "manifest.h"
#include "preflight.h"
#include "store.h"
#include "subcmd.h"

int
cache_has_blob(const char *cache, const struct blob_pin *pin, char **whyp,
    char **errp)
{
	struct stat	 st;
	struct digest	 d;
	char		*path = NULL, *err = NULL;
	uint64_t	 size;
	int		 fd = -1, rc = -1;

	if (whyp != NULL)
		*whyp = NULL;
	if ((path = store_blob_path(cache, &pin->digest)) == NULL)
		return err_set(errp, "out of memory");
	/*
	 * Symbolic links are followed, as install does: an offline
	 * directory may be a farm of links into a store copy.
	 */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT) {
			rc = 0;
			goto out;
		}
		err_sys(errp, "%s", path);
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		err_sys(errp, "%s", path);
		goto out;
	}
	rc = 0;
	if (!S_ISREG(st.st_mode)) {
		if (whyp != NULL && asprintf(whyp, "%s is not a regular file",
		    path) == -1)
			*whyp = NULL;
		goto out;
	}
	if ((uint64_t)st.st_size != pin->size) {
		if (whyp != NULL && asprintf(whyp, "%s has %llu bytes, the "
		    "manifest says %llu", path, (unsigned long long)st.st_size,
		    (unsigned long long)pin->size) == -1)
			*whyp = NULL;
		goto out;
	}
	/* Same size is not enough: a damaged copy would fail the install. */
	if (digest_fd(fd, &d, &size, &err) == -1) {
		rc = err_set(errp, "%s", err);
		goto out;
	}
	if (size != pin->size || !digest_equal(&d, &pin->digest)) {
		if (whyp != NULL && asprintf(whyp, "%s does not match its "
		    "digest", path) == -1)
			*whyp = NULL;
		goto out;
	}
	rc = 1;
out:
	if (fd != -1)
		close(fd);
	free(err);
	free(path);
	return rc;
}

/* What preflight reads: release.json, its signature, the config package. */
static int
preflight_kind(enum blob_kind k)
{
	return k == BLOB_RELEASE || k == BLOB_SIGNATURE || k == BLOB_CONFIG;
}

int
cmd_missing(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cache", required_argument, NULL, 'c' },
		{ "preflight", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct subcmd	*c = subcmd_find(bootstrap_commands, "missing");
	struct cluster_manifest	*cm = NULL;
	struct stat		 st;
	const char		*cache = NULL;
	char			*err = NULL, *why = NULL, *path = NULL;
	char			 dstr[DIGEST_STRSZ];
	size_t			 i, j, n = 0;
	uint64_t		 bytes = 0;
	int			 opt, only_preflight = 0, r, rc = EXIT_FAIL;

	while ((opt = getopt_long(argc, argv, "c:hqv", longopts,
	    NULL)) != -1) {
		switch (opt) {
		case 'c': cache = optarg; break;
		case 'P': only_preflight = 1; break;
		default:
			if ((rc = subcmd_common_opt(opt, c)) == SUBCMD_CONTINUE)
				break;
			if (rc == SUBCMD_NOT_COMMON) {
				subcmd_usage(stderr, c);
				return EXIT_USAGE;
			}
			return rc;
		}
	}
	if (argc - optind != 1 || cache == NULL) {
		subcmd_usage(stderr, c);
		return EXIT_USAGE;
	}
	rc = EXIT_FAIL;
	if (stat(cache, &st) == 0 && !S_ISDIR(st.st_mode)) {
		log_error("cache %s is not a directory: give the directory "
		    "that holds blobs/sha256/", cache);
		goto out;
	}
	if (cluster_manifest_load(argv[optind], &cm, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	for (i = 0; i < cm->nblobs; i++) {
		const struct blob_ref *b = &cm->blobs[i];

		if (only_preflight && !preflight_kind(b->kind))
			continue;
		/* A blob listed twice is fetched once. */
		for (j = 0; j < i; j++)
			if (digest_equal(&cm->blobs[j].blob.digest,
			    &b->blob.digest) && (!only_preflight ||
			    preflight_kind(cm->blobs[j].kind)))
				break;
		if (j < i)
			continue;
		if ((r = cache_has_blob(cache, &b->blob, &why, &err)) == -1) {
			log_error("%s", err);
			goto out;
		}
		if (r == 1)
			continue;
		if (why != NULL) {
			log_warn("%s: fetching it again", why);
			free(why);
			why = NULL;
		}
		free(path);
		if ((path = store_blob_path(cache, &b->blob.digest)) == NULL) {
			log_error("out of memory");
			goto out;
		}
		digest_format(&b->blob.digest, dstr);
		printf("%s %llu %s\n", dstr, (unsigned long long)b->blob.size,
		    path);
		n++;
		bytes += b->blob.size;
	}
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_error("write to standard output: %s", strerror(errno));
		goto out;
	}
	if (n == 0)
		log_verbose("every blob is in %s", cache);
	else
		log_verbose("%zu blob(s) missing from %s, %llu bytes", n,
		    cache, (unsigned long long)bytes);
	rc = EXIT_OK;
out:
	cluster_manifest_free(cm);
	free(path);
	free(why);
	free(err);
	return rc;
}
