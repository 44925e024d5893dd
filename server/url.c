/* SPDX-License-Identifier: Apache-2.0 */
/* The URL sanitiser (see url.h). */
#include <config.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "manifest.h"
#include "store.h"
#include "url.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes %XX escapes once into out (at least strlen(raw) + 1 bytes).
 * Returns -1 for a bad escape or any byte no store path may hold.
 */
static int
decode(const char *raw, char *out)
{
	const unsigned char	*s = (const unsigned char *)raw;
	int			 c, hi, lo;

	for (; *s != '\0'; s++) {
		c = *s;
		if (c == '%') {
			if ((hi = hexval(s[1])) == -1 ||
			    (lo = hexval(s[2])) == -1)
				return -1;
			c = hi << 4 | lo;
			s += 2;
			/* A decoded '%' is double encoding: never legitimate. */
			if (c == '%')
				return -1;
		}
		if (c < 0x20 || c == 0x7f || c == '\\')
			return -1;
		*out++ = (char)c;
	}
	*out = '\0';
	return 0;
}

/* True when some '/'-separated segment of p is "." or "..". */
static int
has_dot_segment(const char *p)
{
	const char	*seg, *end;
	size_t		 n;

	for (seg = p; ; seg = end + 1) {
		n = strcspn(seg, "/");
		end = seg + n;
		if (n >= 1 && n <= 2 && memcmp(seg, "..", n) == 0)
			return 1;
		if (*end == '\0')
			return 0;
	}
}

static enum url_kind
set(struct url_target *t, enum url_kind k, const char *rel)
{
	t->kind = k;
	if (rel != NULL)
		snprintf(t->rel, sizeof(t->rel), "%s", rel);
	return k;
}

/*
 * The path of an absolute-form target ("http://host/path", RFC 9112
 * 3.2.2), which a server must accept; any other target as it is.  The
 * authority names no file, so it is not looked at beyond being there.
 * NULL for an absolute-form target without one.
 */
static const char *
origin_path(const char *raw)
{
	const char	*p;

	if (strncasecmp(raw, "http://", 7) == 0)
		p = raw + 7;
	else if (strncasecmp(raw, "https://", 8) == 0)
		p = raw + 8;
	else
		return raw;
	if (*p == '\0' || *p == '/')
		return NULL;
	if ((p = strchr(p, '/')) == NULL)
		return "/";
	return p;
}

enum url_kind
url_sanitise(const char *raw, struct url_target *t)
{
	char		 p[URL_MAX + 1];
	const char	*rest;
	static const char blobs[] = "/" STORE_BLOB_DIR "/";
	static const char rels[] = "/" STORE_RELEASE_DIR "/";

	memset(t, 0, sizeof(*t));
	t->rel[0] = '\0';
	if (raw != NULL && strlen(raw) <= URL_MAX)
		raw = origin_path(raw);
	if (raw == NULL || raw[0] != '/' || strlen(raw) > URL_MAX)
		return set(t, URL_BAD, NULL);
	if (decode(raw, p) == -1 || has_dot_segment(p + 1))
		return set(t, URL_BAD, NULL);
	if (strcmp(p, "/" STORE_INDEX) == 0)
		return set(t, URL_INDEX, STORE_INDEX);
	if (strcmp(p, "/" STORE_INSTALL_SCRIPT) == 0)
		return set(t, URL_SCRIPT, STORE_INSTALL_SCRIPT);
	if (strcmp(p, "/" STORE_INSTALL_SCRIPT ".minisig") == 0)
		return set(t, URL_SCRIPT_SIG, STORE_INSTALL_SCRIPT ".minisig");
	if (strcmp(p, "/" STORE_INSTALL_SCRIPT_WINDOWS) == 0)
		return set(t, URL_SCRIPT_PS1, STORE_INSTALL_SCRIPT_WINDOWS);
	if (strcmp(p, "/" STORE_INSTALL_SCRIPT_WINDOWS ".minisig") == 0)
		return set(t, URL_SCRIPT_PS1_SIG,
		    STORE_INSTALL_SCRIPT_WINDOWS ".minisig");
	if (strcmp(p, "/healthz") == 0)
		return set(t, URL_HEALTHZ, NULL);
	if (strcmp(p, "/metrics") == 0)
		return set(t, URL_METRICS, NULL);
	if (strncmp(p, blobs, sizeof(blobs) - 1) == 0) {
		rest = p + sizeof(blobs) - 1;
		if (strlen(rest) != DIGEST_HEXLEN ||
		    digest_parse_hex(rest, &t->digest) == -1)
			return set(t, URL_NOTFOUND, NULL);
		return set(t, URL_BLOB, p + 1);
	}
	if (strncmp(p, rels, sizeof(rels) - 1) == 0) {
		rest = p + sizeof(rels) - 1;
		if (!release_file_valid(rest))
			return set(t, URL_NOTFOUND, NULL);
		return set(t, URL_RELEASE, p + 1);
	}
	return set(t, URL_NOTFOUND, NULL);
}
