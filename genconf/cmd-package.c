/* SPDX-License-Identifier: Apache-2.0 */
/* package: one package tree -> one reproducible package blob. */
#include <config.h>

#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "genconf.h"
#include "log.h"
#include "pkgblob.h"
#include "subcmd.h"

/* The id is the directory's name unless --id says otherwise. */
static char *
dir_id(const char *dir)
{
	char	*copy, *base, *id;
	size_t	 n;

	if ((copy = strdup(dir)) == NULL)
		return NULL;
	n = strlen(copy);
	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	base = basename(copy);
	id = strdup(base);
	free(copy);
	return id;
}

int
cmd_package(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "id", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct subcmd	*c = subcmd_find(genconf_commands, "package");
	struct pkg_tree		*t = NULL;
	struct pkg_info		 info;
	enum pkg_platform	 pl;
	json_t			*pi = NULL;
	const char		*out = NULL, *given_id = NULL;
	char			*id = NULL, *outbuf = NULL, *err = NULL;
	char			 dstr[DIGEST_STRSZ];
	char			 hi[HUMAN_SIZE_LEN], hb[HUMAN_SIZE_LEN];
	int			 opt, rc;

	while ((opt = getopt_long(argc, argv, "hi:o:qv", longopts, NULL)) !=
	    -1) {
		switch (opt) {
		case 'i': given_id = optarg; break;
		case 'o': out = optarg; break;
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
	if (argc - optind != 1) {
		subcmd_usage(stderr, c);
		return EXIT_USAGE;
	}
	rc = EXIT_FAIL;
	id = given_id != NULL ? strdup(given_id) : dir_id(argv[optind]);
	if (id == NULL) {
		log_error("out of memory");
		goto out;
	}
	if ((t = pkg_tree_new(id, &err)) == NULL) {
		log_error("%s: %s (name the directory name--version or give "
		    "--id)", argv[optind], err);
		goto out;
	}
	if (pkg_tree_scan(t, argv[optind], &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	/* ID.tar.zst, or ID.zip for a Windows package. */
	if (out == NULL) {
		if ((pi = pkg_tree_pkginfo(t, &err)) == NULL ||
		    pkginfo_platform(pi, NULL, &pl, &err) == -1) {
			log_error("%s", err);
			goto out;
		}
		if (asprintf(&outbuf, "%s%s", id, pkg_blob_suffix(pl)) == -1) {
			log_error("out of memory");
			goto out;
		}
		out = outbuf;
	}
	if (pkg_tree_write_file(t, out, &info, &err) == -1) {
		log_error("%s", err);
		goto out;
	}
	digest_format(&info.digest, dstr);
	printf("%s %s\n", dstr, out);
	log_verbose("%s: %zu entries, %s installed, blob %s", id,
	    info.files, human_size(info.installed_bytes, hi),
	    human_size(info.size, hb));
	rc = EXIT_OK;
out:
	json_decref(pi);
	pkg_tree_free(t);
	free(id);
	free(outbuf);
	free(err);
	return rc;
}
