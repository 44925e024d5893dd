/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP validators and byte ranges (see http-range.h). */
#include <config.h>

#include <string.h>
#include <strings.h>

#include "http-range.h"

static const char *
skip_ows(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/*
 * Parses decimal digits at *sp.  Returns 0 and advances *sp, -1 when there
 * are none.  A number beyond 2^64 saturates (*overflow set): it is still
 * well-formed, only larger than any body.
 */
static int
parse_u64(const char **sp, uint64_t *v, int *overflow)
{
	const char	*s = *sp;
	uint64_t	 n = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (n > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			*overflow = 1;
		else
			n = n * 10 + (uint64_t)(*s - '0');
	}
	*v = n;
	*sp = s;
	return 0;
}

enum range_result
http_range_parse(const char *hdr, uint64_t size, uint64_t *startp,
    uint64_t *lenp)
{
	const char	*s;
	uint64_t	 a = 0, b = 0;
	int		 has_a, has_b, ova = 0, ovb = 0;

	if (hdr == NULL)
		return RANGE_NONE;
	s = skip_ows(hdr);
	if (strncasecmp(s, "bytes", 5) != 0)
		return RANGE_NONE;
	s = skip_ows(s + 5);
	if (*s++ != '=')
		return RANGE_NONE;
	s = skip_ows(s);
	has_a = parse_u64(&s, &a, &ova) == 0;
	s = skip_ows(s);
	if (*s++ != '-')
		return RANGE_NONE;
	s = skip_ows(s);
	has_b = parse_u64(&s, &b, &ovb) == 0;
	s = skip_ows(s);
	/* Several ranges (or trailing junk): we send the whole body. */
	if (*s != '\0')
		return RANGE_NONE;
	if (!has_a && !has_b)
		return RANGE_NONE;
	if (!has_a) {
		/* Suffix range: the last b bytes. */
		if (b == 0 || size == 0)
			return RANGE_UNSATISFIABLE;
		if (ovb || b > size)
			b = size;
		*startp = size - b;
		*lenp = b;
		return RANGE_OK;
	}
	if (has_b && !ovb && (ova || b < a))
		return RANGE_NONE;	/* N-M with M < N is invalid */
	if (ova || a >= size)
		return RANGE_UNSATISFIABLE;
	if (!has_b || ovb || b >= size)
		b = size - 1;
	*startp = a;
	*lenp = b - a + 1;
	return RANGE_OK;
}

/*
 * Takes the next entity tag of a list at *sp: returns its opaque part
 * ("..." with the quotes) in *tagp and *lenp, and whether it is weak.  Returns
 * -1 at the end of the list or on a malformed tag.
 */
static int
next_etag(const char **sp, const char **tagp, size_t *lenp, int *weakp)
{
	const char	*s = *sp, *end;

	while (*s == ' ' || *s == '\t' || *s == ',')
		s++;
	if (*s == '\0')
		return -1;
	*weakp = 0;
	if (s[0] == 'W' && s[1] == '/') {
		*weakp = 1;
		s += 2;
	}
	if (*s != '"' || (end = strchr(s + 1, '"')) == NULL)
		return -1;
	*tagp = s;
	*lenp = (size_t)(end - s) + 1;
	s = skip_ows(end + 1);
	if (*s != '\0' && *s != ',')
		return -1;
	*sp = s;
	return 0;
}

int
http_etag_none_match(const char *hdr, const char *etag)
{
	const char	*s, *tag;
	size_t		 len, elen = strlen(etag);
	int		 weak;

	if (hdr == NULL)
		return 0;
	s = skip_ows(hdr);
	if (s[0] == '*' && *skip_ows(s + 1) == '\0')
		return 1;
	while (next_etag(&s, &tag, &len, &weak) == 0)
		if (len == elen && memcmp(tag, etag, len) == 0)
			return 1;
	return 0;
}

int
http_if_range_match(const char *hdr, const char *etag)
{
	const char	*s, *tag;
	size_t		 len;
	int		 weak;

	if (hdr == NULL)
		return 0;
	s = skip_ows(hdr);
	if (next_etag(&s, &tag, &len, &weak) == -1 || weak)
		return 0;
	if (*skip_ows(s) != '\0')
		return 0;
	return len == strlen(etag) && memcmp(tag, etag, len) == 0;
}
