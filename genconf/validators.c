/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Named validators: DC/OS's rules for its JSON-valued parameters
 * (dns_forward_zones, dcos_overlay_network, check_config and
 * custom_checks, ...), with DC/OS's messages word for word.  A schema
 * names one in a check ({validator: NAME, with: [PARAMS]}); the types and
 * simple checks of the schema language cannot say these: they are about
 * the value's inner structure, cross-reference other parameters and
 * compare subnets.  DC/OS quotes a bad value the way Python prints it,
 * so the messages do as well (pyrepr()).
 */
#include <config.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

/* Python's repr() of a JSON value, as DC/OS's messages print it. */
static void
repr_str(FILE *fp, const char *s)
{
	const unsigned char	*p;
	char			 q = '\'';

	if (strchr(s, '\'') != NULL && strchr(s, '"') == NULL)
		q = '"';
	fputc(q, fp);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '\\' || *p == (unsigned char)q)
			fprintf(fp, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", fp);
		else if (*p == '\t')
			fputs("\\t", fp);
		else if (*p == '\r')
			fputs("\\r", fp);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(fp, "\\x%02x", *p);
		else
			fputc(*p, fp);
	}
	fputc(q, fp);
}

static void
repr_fp(FILE *fp, const json_t *j)
{
	const char	*k;
	json_t		*v;
	size_t		 i;
	char		 buf[64];
	int		 prec;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		fputc('{', fp);
		i = 0;
		json_object_foreach((json_t *)j, k, v) {
			if (i++ > 0)
				fputs(", ", fp);
			repr_str(fp, k);
			fputs(": ", fp);
			repr_fp(fp, v);
		}
		fputc('}', fp);
		break;
	case JSON_ARRAY:
		fputc('[', fp);
		for (i = 0; i < json_array_size(j); i++) {
			if (i > 0)
				fputs(", ", fp);
			repr_fp(fp, json_array_get(j, i));
		}
		fputc(']', fp);
		break;
	case JSON_STRING:
		repr_str(fp, json_string_value(j));
		break;
	case JSON_INTEGER:
		fprintf(fp, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		break;
	case JSON_REAL:
		/* Python prints the shortest text that reads back. */
		for (prec = 1; prec < 17; prec++) {
			snprintf(buf, sizeof(buf), "%.*g", prec,
			    json_real_value(j));
			if (strtod(buf, NULL) == json_real_value(j))
				break;
		}
		snprintf(buf, sizeof(buf), "%.*g", prec, json_real_value(j));
		fputs(buf, fp);
		if (strpbrk(buf, ".en") == NULL)
			fputs(".0", fp);
		break;
	case JSON_TRUE:
		fputs("True", fp);
		break;
	case JSON_FALSE:
		fputs("False", fp);
		break;
	default:
		fputs("None", fp);
		break;
	}
}

/* malloc'd, or NULL when out of memory. */
static char *
pyrepr(const json_t *j)
{
	char	*out = NULL;
	size_t	 len = 0;
	FILE	*fp;

	if ((fp = open_memstream(&out, &len)) == NULL)
		return NULL;
	repr_fp(fp, j);
	if (fclose(fp) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* Python's name of a JSON value's type. */
static const char *
pytype(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "dict";
	case JSON_ARRAY:
		return "list";
	case JSON_STRING:
		return "str";
	case JSON_INTEGER:
		return "int";
	case JSON_REAL:
		return "float";
	case JSON_TRUE:
	case JSON_FALSE:
		return "bool";
	default:
		return "NoneType";
	}
}

static void
verr(struct vctx *ctx, const json_t *at, int with_too, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Reports a problem at the node at of the value (NULL: its key). */
static void
verr(struct vctx *ctx, const json_t *at, int with_too, const char *fmt, ...)
{
	struct strjoin	 sj;
	va_list		 ap;
	char		*msg;

	memset(&sj, 0, sizeof(sj));
	va_start(ap, fmt);
	strjoin_vadd(&sj, fmt, ap);
	va_end(ap);
	if ((msg = strjoin_end(&sj, &ctx->oom)) != NULL)
		ctx->report(ctx, at, with_too, msg);
	free(msg);
}

/*
 * verr with the repr of r in place of the last "%s" of tmpl (a plain
 * text, not a printf format: it may hold a user's key).
 */
static void
verr_repr(struct vctx *ctx, const json_t *at, int with_too, const char *tmpl,
    const json_t *r)
{
	const char	*mark = NULL, *p;
	char		*t;

	for (p = tmpl; (p = strstr(p, "%s")) != NULL; p += 2)
		mark = p;
	if (mark == NULL) {
		verr(ctx, at, with_too, "%s", tmpl);
		return;
	}
	if ((t = pyrepr(r)) == NULL) {
		ctx->oom = 1;
		return;
	}
	verr(ctx, at, with_too, "%.*s%s%s", (int)(mark - tmpl), tmpl, t,
	    mark + 2);
	free(t);
}

/* json_object: rexray_config, cluster_docker_credentials. */
static void
v_json_object(struct vctx *ctx)
{
	if (!json_is_object(ctx->val))
		verr(ctx, NULL, 0, "Must be a JSON dictionary. Got a %s",
		    pytype(ctx->val));
}

/* dns_forward_zones: {"zone": ["IP[:PORT]", ...], ...}. */
#define FZ	"Invalid \"dns_forward_zones\": "

static void
v_dns_forward_zones(struct vctx *ctx)
{
	const char	*zone, *s, *colon;
	json_t		*ups, *u;
	char		*msg = NULL, ip[INET_ADDRSTRLEN + 1];
	size_t		 i, n;

	if (!json_is_object(ctx->val)) {
		verr_repr(ctx, NULL, 0, FZ "%s is not a a dict", ctx->val);
		return;
	}
	json_object_foreach((json_t *)ctx->val, zone, ups) {
		if (!json_is_array(ups)) {
			verr_repr(ctx, ups, 0, FZ "%s is not a list", ups);
			continue;
		}
		json_array_foreach(ups, i, u) {
			if (!json_is_string(u)) {
				verr_repr(ctx, u, 0, FZ "%s is not a string",
				    u);
				continue;
			}
			s = json_string_value(u);
			/* Python's rpartition(':'). */
			n = (colon = strrchr(s, ':')) != NULL ?
			    (size_t)(colon - s) : strlen(s);
			if (colon != NULL && check_port_text(colon + 1,
			    &msg) == -1) {
				verr(ctx, u, 0, "%s", msg != NULL ? msg :
				    "out of memory");
				free(msg);
				msg = NULL;
				continue;
			}
			if (n >= sizeof(ip) || (memcpy(ip, s, n), ip[n] = '\0',
			    !valid_ipv4(ip)))
				verr(ctx, u, 0, FZ "%.*s not a valid IP "
				    "address", (int)n, s);
		}
	}
}

/*
 * One subnet of an overlay configuration, parsed: what the overlap
 * checks compare.
 */
struct subnet {
	const char	*text;
	const json_t	*at;
	unsigned char	 addr[16];
	int		 bits;
	int		 af;
};

struct subnets {
	struct subnet	*v;
	size_t		 n;
};

static void
subnets_add(struct vctx *ctx, struct subnets *ss, const json_t *j, int af)
{
	struct subnet	*v;
	unsigned char	 a[16];
	int		 bits;

	if (!json_is_string(j) || cidr_parse(json_string_value(j), af, a,
	    &bits) != 0)
		return;
	if ((v = reallocarray(ss->v, ss->n + 1, sizeof(*v))) == NULL) {
		ctx->oom = 1;
		return;
	}
	ss->v = v;
	v[ss->n].text = json_string_value(j);
	v[ss->n].at = j;
	memcpy(v[ss->n].addr, a, sizeof(a));
	v[ss->n].bits = bits;
	v[ss->n].af = af;
	ss->n++;
}

/* The subnets of a CIDR value or of an overlay configuration's overlays. */
static void
subnets_of(struct vctx *ctx, struct subnets *ss, const json_t *j)
{
	const json_t	*ov, *o;
	size_t		 i;

	if (json_is_string(j)) {
		subnets_add(ctx, ss, j, strchr(json_string_value(j), ':') !=
		    NULL ? AF_INET6 : AF_INET);
		return;
	}
	if (!json_is_array(ov = json_object_get(j, "overlays")))
		return;
	json_array_foreach(ov, i, o) {
		subnets_add(ctx, ss, json_object_get(o, "subnet"), AF_INET);
		subnets_add(ctx, ss, json_object_get(o, "subnet6"), AF_INET6);
	}
}

/* Two networks overlap when one holds the other's first address. */
static int
subnet_overlaps(const struct subnet *a, const struct subnet *b)
{
	int	 bits = a->bits < b->bits ? a->bits : b->bits, i;

	if (a->af != b->af)
		return 0;
	for (i = 0; i < bits / 8; i++)
		if (a->addr[i] != b->addr[i])
			return 0;
	if (bits % 8 == 0)
		return 1;
	return ((a->addr[i] ^ b->addr[i]) & (0xff << (8 - bits % 8))) == 0;
}

/* vtep_mac_oui: six two-digit hex bytes separated by ':'. */
static int
valid_mac(const char *s)
{
	int	 i;

	for (i = 0; i < 6; i++, s += 3) {
		if (strspn(s, "0123456789abcdefABCDEF") < 2)
			return 0;
		if (s[2] != (i < 5 ? ':' : '\0'))
			return 0;
	}
	return 1;
}

static void
check_subnet(struct vctx *ctx, const json_t *j, const char *name, int af)
{
	char	*msg = NULL, *t = NULL;

	if (j == NULL)
		return;
	if (json_is_string(j)) {
		if (check_cidr(name, json_string_value(j), af, &msg) == 0)
			return;
	} else if ((t = pyrepr(j)) == NULL ||
	    asprintf(&msg, "Incorrect value for `%s`: `%s`. Only IPv%d "
	    "subnets are allowed", name, t, af == AF_INET ? 4 : 6) == -1)
		msg = NULL;
	free(t);
	if (msg == NULL) {
		ctx->oom = 1;
		return;
	}
	verr(ctx, j, 0, "%s", msg);
	free(msg);
}

/* validate_int_in_range(v, low, None) as DC/OS words it. */
static void
check_int_at_least(struct vctx *ctx, const json_t *j, long long low)
{
	long long	 v;
	char		*end;

	if (json_is_integer(j))
		v = json_integer_value(j);
	else if (!json_is_string(j)) {
		verr_repr(ctx, j, 0, "Must be an integer, not %s", j);
		return;
	} else {
		v = strtoll(json_string_value(j), &end, 10);
		if (*json_string_value(j) == '\0' || *end != '\0') {
			verr(ctx, j, 0, "Must be an integer but got a str: %s",
			    json_string_value(j));
			return;
		}
	}
	if (v < low)
		verr(ctx, j, 0, "Must be above or equal to %lld", low);
}

/*
 * An overlay's prefix (prefix6): the length of the subnets agents get, at
 * least the overlay's own.  Stricter than DC/OS, whose overlay module
 * would fail at start.
 */
static void
check_prefix(struct vctx *ctx, const json_t *o, const char *key,
    const char *skey, int af)
{
	const json_t	*p = json_object_get(o, key);
	unsigned char	 a[16];
	int		 bits, max = af == AF_INET ? 32 : 128;
	const json_t	*sn = json_object_get(o, skey);

	if (p == NULL || !json_is_string(sn) || cidr_parse(
	    json_string_value(sn), af, a, &bits) != 0)
		return;
	if (!json_is_integer(p) || json_integer_value(p) < bits ||
	    json_integer_value(p) > max)
		verr_repr(ctx, p, 0, af == AF_INET6 ? "Overlay prefix6 must be "
		    "an integer from the length of its subnet6 to 128. Got %s" :
		    "Overlay prefix must be an integer from the length of its "
		    "subnet to 32. Got %s", p);
}

/* Overlays named twice, subnets that overlap: stricter than DC/OS. */
static void
overlay_overlaps(struct vctx *ctx, const json_t *ov)
{
	struct subnets	 ss = { NULL, 0 };
	const json_t	*o, *o2, *vt;
	size_t		 i, j;

	json_array_foreach(ov, i, o) {
		for (j = 0; j < i; j++) {
			o2 = json_array_get(ov, j);
			if (json_is_string(json_object_get(o, "name")) &&
			    json_equal(json_object_get(o, "name"),
			    json_object_get(o2, "name"))) {
				verr_repr(ctx, json_object_get(o, "name"), 0,
				    "Overlay name %s is used twice",
				    json_object_get(o, "name"));
				break;
			}
		}
	}
	if ((vt = json_object_get(ctx->val, "vtep_subnet")) != NULL)
		subnets_add(ctx, &ss, vt, AF_INET);
	if ((vt = json_object_get(ctx->val, "vtep_subnet6")) != NULL)
		subnets_add(ctx, &ss, vt, AF_INET6);
	subnets_of(ctx, &ss, ctx->val);
	for (i = 0; i < ss.n; i++)
		for (j = 0; j < i; j++)
			if (subnet_overlaps(&ss.v[i], &ss.v[j]))
				verr(ctx, ss.v[i].at, 0, "Subnet %s overlaps "
				    "subnet %s: the overlays and vtep_subnet "
				    "must not share addresses", ss.v[i].text,
				    ss.v[j].text);
	free(ss.v);
}

static void
check_overlay(struct vctx *ctx, const json_t *o)
{
	const json_t	*name, *en;
	char		*t;

	if (!json_is_object(o)) {
		verr_repr(ctx, o, 0, "An overlay must be a mapping with name "
		    "and subnet or subnet6. Got %s", o);
		return;
	}
	if ((name = json_object_get(o, "name")) == NULL)
		verr_repr(ctx, o, 0, "Missing \"name\" in overlay "
		    "configuration: %s", o);
	else if (!json_is_string(name))
		verr_repr(ctx, name, 0, "Overlay name must be a string. Got "
		    "%s", name);
	else if (strlen(json_string_value(name)) > 13)
		verr(ctx, name, 0, "Overlay name cannot exceed 13 characters: "
		    "%s", json_string_value(name));
	if (json_object_get(o, "subnet") == NULL &&
	    json_object_get(o, "subnet6") == NULL)
		verr_repr(ctx, o, 0, "Missing \"subnet\" or \"subnet6\" in "
		    "overlay configuration: %s", o);
	check_subnet(ctx, json_object_get(o, "subnet"), "overlay subnet",
	    AF_INET);
	check_subnet(ctx, json_object_get(o, "subnet6"), "subnet6", AF_INET6);
	check_prefix(ctx, o, "prefix", "subnet", AF_INET);
	check_prefix(ctx, o, "prefix6", "subnet6", AF_INET6);
	if ((en = json_object_get(o, "enabled")) != NULL &&
	    !json_is_boolean(en)) {
		/* gen.internals.validate_one_of(v, [True, False]) */
		if ((t = json_text(en)) == NULL && (t = pyrepr(en)) == NULL) {
			ctx->oom = 1;
			return;
		}
		verr(ctx, en, 0, "Must be one of 'True', 'False'. Got '%s'.",
		    t);
		free(t);
	}
}

/*
 * dcos_overlay_network: {vtep_subnet, vtep_subnet6, vtep_mac_oui,
 * [vtep_mtu], overlays: [{name, subnet | subnet6, prefix, prefix6,
 * enabled}]}, DC/OS's checks and words (gen/calc.py), every problem.
 */
static void
v_dcos_overlay_network(struct vctx *ctx)
{
	struct {
		const char	*key;
		int		 needed;
	} need[] = {
		{ "overlays", 1 }, { "vtep_mac_oui", 1 }, { "vtep_subnet", 0 },
		{ "vtep_subnet6", 0 }
	};
	const json_t	*v = ctx->val, *ov, *mac, *mtu, *o;
	size_t		 i;

	if (!json_is_object(v)) {
		verr_repr(ctx, NULL, 0, "Must be a mapping with vtep_subnet, "
		    "vtep_subnet6, vtep_mac_oui and overlays. Got %s", v);
		return;
	}
	/*
	 * As DC/OS 1.13: a VTEP subnet of the families the overlays use
	 * (later DC/OS demands both, refusing its own older examples).
	 */
	json_array_foreach(json_object_get(v, "overlays"), i, o) {
		need[2].needed |= json_object_get(o, "subnet") != NULL;
		need[3].needed |= json_object_get(o, "subnet6") != NULL;
	}
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (need[i].needed && json_object_get(v, need[i].key) == NULL) {
			char	*fmt = NULL;

			if (asprintf(&fmt, "Missing \"%s\" in overlay "
			    "configuration %s", need[i].key, "%s") == -1) {
				ctx->oom = 1;
				return;
			}
			verr_repr(ctx, NULL, 0, fmt, v);
			free(fmt);
		}
	if ((ov = json_object_get(v, "overlays")) != NULL) {
		if (!json_is_array(ov))
			verr_repr(ctx, ov, 0, "\"Overlays\" must be a list. "
			    "Got %s", ov);
		else if (json_array_size(ov) == 0)
			verr_repr(ctx, ov, 0, "\"Overlays\" network "
			    "configuration is empty: %s", v);
	}
	check_subnet(ctx, json_object_get(v, "vtep_subnet"), "vtep_subnet",
	    AF_INET);
	check_subnet(ctx, json_object_get(v, "vtep_subnet6"), "vtep_subnet6",
	    AF_INET6);
	if ((mac = json_object_get(v, "vtep_mac_oui")) != NULL &&
	    (!json_is_string(mac) || !valid_mac(json_string_value(mac))))
		verr_repr(ctx, mac, 0, "vtep_mac_oui must be a MAC address "
		    "such as 70:B3:D5:00:00:00. Got %s", mac);
	if ((mtu = json_object_get(v, "vtep_mtu")) != NULL)
		check_int_at_least(ctx, mtu, 552);
	if (!json_is_array(ov))
		return;
	for (i = 0; i < json_array_size(ov); i++)
		check_overlay(ctx, json_array_get(ov, i));
	overlay_overlaps(ctx, ov);
}

/* The overlay of an overlay configuration named name, or NULL. */
static const json_t *
overlay_named(const json_t *net, const char *name)
{
	const json_t	*o;
	size_t		 i;

	json_array_foreach(json_object_get(net, "overlays"), i, o)
		if (json_is_string(json_object_get(o, "name")) &&
		    strcmp(json_string_value(json_object_get(o, "name")),
		    name) == 0)
			return o;
	return NULL;
}

/* overlay_name with: [OVERLAY CONFIG]: DC/OS's default name check. */
static void
v_overlay_name(struct vctx *ctx)
{
	const json_t	*net = ctx->with[0];

	/* A broken configuration is its own validator's to report. */
	if (!json_is_string(ctx->val) ||
	    !json_is_array(json_object_get(net, "overlays")))
		return;
	if (overlay_named(net, json_string_value(ctx->val)) == NULL)
		verr(ctx, NULL, 1, "Default overlay network name does not "
		    "reference a defined overlay network: %s",
		    json_string_value(ctx->val));
}

/*
 * overlay_name_ipv4 with: [OVERLAY CONFIG]: the named overlay has an IPv4
 * subnet (DC/OS disables the others when enable_ipv6 is false).
 */
static void
v_overlay_name_ipv4(struct vctx *ctx)
{
	const json_t	*o;
	char		*msg;

	if (!json_is_string(ctx->val) || (o = overlay_named(ctx->with[0],
	    json_string_value(ctx->val))) == NULL ||
	    json_object_get(o, "subnet") != NULL)
		return;
	if (ctx->c->message != NULL) {
		if ((msg = fill_message(ctx->c->message,
		    json_string_value(ctx->val), NULL)) == NULL) {
			ctx->oom = 1;
			return;
		}
		verr(ctx, NULL, 1, "%s", msg);
		free(msg);
	} else
		verr(ctx, NULL, 1, "Overlay %s has no IPv4 subnet",
		    json_string_value(ctx->val));
}

/*
 * subnets_disjoint with: [OTHER]: no subnet of this value (a CIDR or an
 * overlay configuration) overlaps one of OTHER's.  The message may use
 * {value} and {other}, the two subnets.
 */
static void
v_subnets_disjoint(struct vctx *ctx)
{
	struct subnets	 a = { NULL, 0 }, b = { NULL, 0 };
	char		*msg;
	size_t		 i, j;

	subnets_of(ctx, &a, ctx->val);
	if (ctx->with[0] != NULL)
		subnets_of(ctx, &b, ctx->with[0]);
	for (i = 0; i < a.n; i++)
		for (j = 0; j < b.n; j++) {
			if (!subnet_overlaps(&a.v[i], &b.v[j]))
				continue;
			if (ctx->c->message != NULL)
				msg = fill_message(ctx->c->message,
				    a.v[i].text, b.v[j].text);
			else if (asprintf(&msg, "%s overlaps %s of %s",
			    a.v[i].text, b.v[j].text, ctx->with_names[0]) ==
			    -1)
				msg = NULL;
			if (msg == NULL) {
				ctx->oom = 1;
				break;
			}
			verr(ctx, a.v[i].at, 1, "%s", msg);
			free(msg);
		}
	free(a.v);
	free(b.v);
}

/* ip_at_most with: [OTHER]: an address not above OTHER's. */
static void
v_ip_at_most(struct vctx *ctx)
{
	unsigned char	 a[16], b[16];
	int		 af;

	if (!json_is_string(ctx->val) || !json_is_string(ctx->with[0]))
		return;
	af = strchr(json_string_value(ctx->val), ':') != NULL ? AF_INET6 :
	    AF_INET;
	if (inet_pton(af, json_string_value(ctx->val), a) != 1 ||
	    inet_pton(af, json_string_value(ctx->with[0]), b) != 1)
		return;
	if (memcmp(a, b, af == AF_INET ? 4 : 16) > 0)
		verr(ctx, NULL, 1, "%s (%s) must not be above %s (%s)",
		    ctx->name, json_string_value(ctx->val), ctx->with_names[0],
		    json_string_value(ctx->with[0]));
}

/* A character of Python's \w (ASCII: what a unit can be). */
static int
word_char(int c)
{
	return isalnum(c) || c == '_';
}

/*
 * shm_size: mesos_default_container_shm_size as gen/calc.py reads it,
 * re.match(r"([\d\.]+)(\w+)"): a number, then a unit of B, KB, MB, GB
 * or TB in any case; no fraction.  Empty is "not set".  The number gives
 * the unit its last digit when no word follows it, as the regex
 * backtracks ("64" is 6 of unit "4").
 */
static void
v_shm_size(struct vctx *ctx)
{
	static const char *const units[] = { "B", "KB", "MB", "GB", "TB" };
	const char	*s = json_string_value(ctx->val);
	size_t		 ndig, nunit, i;
	char		 unit[64];

	if (s == NULL || *s == '\0')
		return;
	for (ndig = 0; isdigit((unsigned char)s[ndig]) || s[ndig] == '.';
	    ndig++)
		;
	for (nunit = 0; word_char((unsigned char)s[ndig + nunit]); nunit++)
		;
	if (nunit == 0) {
		while (ndig > 1 && !isdigit((unsigned char)s[ndig - 1]))
			ndig--;
		if (ndig > 1) {
			ndig--;
			nunit = 1;
		}
	}
	if (ndig == 0 || nunit == 0) {
		verr(ctx, NULL, 0, "Error parsing 'mesos_default_container_shm_"
		    "size' value: %s.", s);
		return;
	}
	if (memchr(s, '.', ndig) != NULL) {
		verr(ctx, NULL, 0, "Fractional bytes: %.*s.", (int)ndig, s);
		return;
	}
	if (nunit >= sizeof(unit))
		nunit = sizeof(unit) - 1;
	for (i = 0; i < nunit; i++)
		unit[i] = (char)toupper((unsigned char)s[ndig + i]);
	unit[nunit] = '\0';
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(unit, units[i]) == 0)
			return;
	verr(ctx, NULL, 0, "Unit '%s' not in ['B', 'KB', 'MB', 'GB', 'TB'].",
	    unit);
}

/*
 * check_config: DC/OS's check configuration, checked as DC/OS's Python
 * "schema" library words it ("Key 'cluster_checks' error: Missing key:
 * 'description'"), then its two cross checks.
 */
#define CHECK_NAME_MSG	"Check name must be a nonzero length string with " \
			"no whitespace"
#define TIMEOUT_MSG	"Timeout must be a string containing an integer " \
			"or float followed by a unit: ns, us, \xc2\xb5s, ms, " \
			"s, m, h"
#define ROLES_MSG	"roles must be a list containing master or agent " \
			"or both"

struct cc {
	struct vctx	*ctx;
	int		 errors;
};

/* A problem: prefix, then tmpl with r's repr (verr_repr). */
static void
cc_err(struct cc *cc, const json_t *at, const char *prefix, const char *tmpl,
    const json_t *r)
{
	char	*t;

	cc->errors++;
	if (asprintf(&t, "%s%s", prefix, tmpl) == -1) {
		cc->ctx->oom = 1;
		return;
	}
	verr_repr(cc->ctx, at, 0, t, r);
	free(t);
}

static int
check_name_ok(const json_t *j)
{
	const char	*s;

	if (!json_is_string(j))
		return 0;
	s = json_string_value(j);
	return *s != '\0' && s[strcspn(s, " \t\n\r\v\f")] == '\0';
}

static int
timeout_ok(const json_t *j)
{
	static const char *const units[] = {
		"ns", "us", "\xc2\xb5s", "ms", "s", "m", "h"
	};
	const char	*s;
	size_t		 i, n;

	if (!json_is_string(j))
		return 0;
	s = json_string_value(j);
	if ((n = strspn(s, "0123456789")) == 0)
		return 0;
	s += n;
	if (*s == '.') {
		if ((n = strspn(s + 1, "0123456789")) == 0)
			return 0;
		s += n + 1;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(s, units[i]) == 0)
			return 1;
	return 0;
}

/* "Wrong keys 'a', 'b' in {...}" for the keys sj holds, if any. */
static void
cc_wrong(struct cc *cc, const json_t *obj, const char *prefix,
    struct strjoin *sj)
{
	size_t	 n = sj->n;
	char	*list, *tmpl;

	if ((list = strjoin_end(sj, &cc->ctx->oom)) == NULL)
		return;
	if (asprintf(&tmpl, "Wrong key%s %s in %s", n > 1 ? "s" : "", list,
	    "%s") == -1)
		cc->ctx->oom = 1;
	else {
		cc_err(cc, obj, prefix, tmpl, obj);
		free(tmpl);
	}
	free(list);
}

/*
 * The keys of required (NULL-terminated) obj lacks, and the keys it has
 * that allowed does not name, as the Python schema words them.
 */
static void
cc_keys(struct cc *cc, const json_t *obj, const char *prefix,
    const char *const *allowed, const char *const *required)
{
	struct strjoin	 sj;
	const char	*k;
	json_t		*v;
	char		*list;
	size_t		 i, n;
	int		 ok;

	memset(&sj, 0, sizeof(sj));
	/* Python's schema reports the missing keys first, sorted. */
	for (i = 0; required[i] != NULL; i++)
		if (json_object_get(obj, required[i]) == NULL)
			strjoin_add(&sj, "'%s'", required[i]);
	n = sj.n;
	if ((list = strjoin_end(&sj, &cc->ctx->oom)) != NULL) {
		cc->errors++;
		verr(cc->ctx, obj, 0, "%sMissing key%s: %s", prefix,
		    n > 1 ? "s" : "", list);
		free(list);
	}
	json_object_foreach((json_t *)obj, k, v) {
		for (ok = 0, i = 0; allowed[i] != NULL; i++)
			ok |= strcmp(k, allowed[i]) == 0;
		if (!ok)
			strjoin_add(&sj, "'%s'", k);
	}
	cc_wrong(cc, obj, prefix, &sj);
}

/* One check: {description, cmd, timeout[, roles]}. */
static void
cc_check(struct cc *cc, const json_t *c, const char *prefix, int node)
{
	static const char *const req[] = { "cmd", "description", "timeout",
	    NULL };
	static const char *const all[] = { "cmd", "description", "timeout",
	    "roles", NULL };
	static const char *const all_cluster[] = { "cmd", "description",
	    "timeout", NULL };
	const json_t	*v, *it;
	char		*sub = NULL;
	size_t		 i;

	if (!json_is_object(c)) {
		cc_err(cc, c, prefix, "%s should be instance of 'dict'", c);
		return;
	}
	cc_keys(cc, c, prefix, node ? all : all_cluster, req);
	if ((v = json_object_get(c, "description")) != NULL &&
	    !json_is_string(v) && asprintf(&sub, "%sKey 'description' error: ",
	    prefix) != -1) {
		cc_err(cc, v, sub, "%s should be instance of 'str'", v);
		free(sub);
		sub = NULL;
	}
	if ((v = json_object_get(c, "cmd")) != NULL) {
		if (asprintf(&sub, "%sKey 'cmd' error: ", prefix) == -1) {
			cc->ctx->oom = 1;
			return;
		}
		if (!json_is_array(v))
			cc_err(cc, v, sub, "%s should be instance of 'list'", v);
		else
			json_array_foreach(v, i, it)
				if (!json_is_string(it))
					cc_err(cc, it, sub, "%s should be "
					    "instance of 'str'", it);
		free(sub);
	}
	if ((v = json_object_get(c, "timeout")) != NULL && !timeout_ok(v))
		cc_err(cc, v, "", TIMEOUT_MSG, NULL);
	if (node && (v = json_object_get(c, "roles")) != NULL) {
		int	 ok = json_is_array(v);

		json_array_foreach(v, i, it)
			ok &= json_is_string(it) && (strcmp(json_string_value(
			    it), "master") == 0 || strcmp(json_string_value(it),
			    "agent") == 0);
		if (!ok)
			cc_err(cc, v, "", ROLES_MSG, NULL);
	}
}

/* {NAME: CHECK, ...} with at least one valid name. */
static void
cc_checks(struct cc *cc, const json_t *m, const char *prefix, int node)
{
	struct strjoin	 sj;
	const char	*k;
	json_t		*c, *name;
	char		*sub;
	size_t		 nvalid = 0;

	if (!json_is_object(m)) {
		cc_err(cc, m, prefix, "%s should be instance of 'dict'", m);
		return;
	}
	memset(&sj, 0, sizeof(sj));
	json_object_foreach((json_t *)m, k, c) {
		if ((name = json_string(k)) == NULL) {
			cc->ctx->oom = 1;
			return;
		}
		if (!check_name_ok(name)) {
			json_decref(name);
			strjoin_add(&sj, "'%s'", k);
			continue;
		}
		json_decref(name);
		nvalid++;
		if (asprintf(&sub, "%sKey '%s' error: ", prefix, k) == -1) {
			cc->ctx->oom = 1;
			break;
		}
		cc_check(cc, c, sub, node);
		free(sub);
	}
	if (nvalid == 0)
		cc_err(cc, m, prefix, "Missing key: " CHECK_NAME_MSG, NULL);
	cc_wrong(cc, m, prefix, &sj);
}

static void
cc_names(struct cc *cc, const json_t *l, const char *prefix)
{
	const json_t	*it;
	size_t		 i;

	if (!json_is_array(l)) {
		cc_err(cc, l, prefix, "%s should be instance of 'list'", l);
		return;
	}
	json_array_foreach(l, i, it)
		if (!check_name_ok(it))
			cc_err(cc, it, "", CHECK_NAME_MSG, NULL);
}

/* Whether name is in the list l of strings. */
static int
in_list(const json_t *l, const char *name)
{
	const json_t	*it;
	size_t		 i;

	json_array_foreach(l, i, it)
		if (strcmp(json_string_value(it), name) == 0)
			return 1;
	return 0;
}

static void
cc_node(struct cc *cc, const json_t *nc)
{
	static const char *const all[] = { "checks", "prestart", "poststart",
	    NULL };
	static const char *const req[] = { "checks", NULL };
	const json_t	*checks, *pre, *post;
	const char	*k;
	json_t		*c;
	int		 before = cc->errors, ok = 1;

	if (!json_is_object(nc)) {
		cc_err(cc, nc, "Key 'node_checks' error: ", "%s should be "
		    "instance of 'dict'", nc);
		return;
	}
	cc_keys(cc, nc, "Key 'node_checks' error: ", all, req);
	if ((checks = json_object_get(nc, "checks")) != NULL)
		cc_checks(cc, checks, "Key 'node_checks' error: Key 'checks' "
		    "error: ", 1);
	if ((pre = json_object_get(nc, "prestart")) != NULL)
		cc_names(cc, pre, "Key 'node_checks' error: Key 'prestart' "
		    "error: ");
	if ((post = json_object_get(nc, "poststart")) != NULL)
		cc_names(cc, post, "Key 'node_checks' error: Key 'poststart' "
		    "error: ");
	/* DC/OS checks these once the shape is right. */
	if (cc->errors > before)
		return;
	if (pre == NULL && post == NULL) {
		verr(cc->ctx, nc, 0, "At least one of prestart or poststart "
		    "must be defined in node_checks");
		return;
	}
	json_object_foreach((json_t *)checks, k, c)
		ok &= in_list(pre, k) || in_list(post, k);
	if (ok) {
		size_t		 i;
		const json_t	*it;

		json_array_foreach(pre, i, it)
			ok &= json_object_get(checks, json_string_value(it)) !=
			    NULL;
		json_array_foreach(post, i, it)
			ok &= json_object_get(checks, json_string_value(it)) !=
			    NULL;
	}
	if (!ok)
		verr(cc->ctx, nc, 0, "All node checks must be referenced in "
		    "either prestart or poststart, or both");
}

static void
v_check_config(struct vctx *ctx)
{
	static const char *const all[] = { "cluster_checks", "node_checks",
	    NULL };
	static const char *const none[] = { NULL };
	struct cc	 cc = { ctx, 0 };
	const json_t	*v;

	if (!json_is_object(ctx->val)) {
		verr(ctx, NULL, 0, "Must be a JSON dictionary. Got a %s",
		    pytype(ctx->val));
		return;
	}
	cc_keys(&cc, ctx->val, "", all, none);
	if ((v = json_object_get(ctx->val, "cluster_checks")) != NULL)
		cc_checks(&cc, v, "Key 'cluster_checks' error: ", 0);
	if ((v = json_object_get(ctx->val, "node_checks")) != NULL)
		cc_node(&cc, v);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The names both mappings define, sorted as Python's sorted() and
 * joined with ", " in *listp (NULL when none): 0, or -1 when out of
 * memory.
 */
static int
shared_names(const json_t *a, const json_t *b, char **listp)
{
	struct strjoin	 sj;
	const char	*k, **names;
	json_t		*v;
	size_t		 n = 0, i;
	int		 oom = 0;

	memset(&sj, 0, sizeof(sj));
	*listp = NULL;
	if (!json_is_object(a) || !json_is_object(b))
		return 0;
	if ((names = calloc(json_object_size(a) + 1, sizeof(*names))) == NULL)
		return -1;
	json_object_foreach((json_t *)a, k, v)
		if (json_object_get(b, k) != NULL)
			names[n++] = k;
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++)
		strjoin_add(&sj, "%s", names[i]);
	*listp = strjoin_end(&sj, &oom);
	free(names);
	return oom ? -1 : 0;
}

/* check_names_disjoint with: [BUILTIN CHECK CONFIG]: custom_checks. */
static void
v_check_names_disjoint(struct vctx *ctx)
{
	const json_t	*b = ctx->with[0];
	char		*cl = NULL, *nd = NULL;

	if (!json_is_object(ctx->val) || !json_is_object(b))
		return;
	if (shared_names(json_object_get(ctx->val, "cluster_checks"),
	    json_object_get(b, "cluster_checks"), &cl) == -1 ||
	    shared_names(json_object_get(json_object_get(ctx->val,
	    "node_checks"), "checks"), json_object_get(json_object_get(b,
	    "node_checks"), "checks"), &nd) == -1)
		ctx->oom = 1;
	else if (cl != NULL || nd != NULL)
		verr(ctx, NULL, 1, "Custom check names conflict with builtin "
		    "checks.%s%s%s%s%s%s", cl != NULL ? " Reserved cluster "
		    "check names: " : "", cl != NULL ? cl : "", cl != NULL ?
		    "." : "", nd != NULL ? " Reserved node check names: " : "",
		    nd != NULL ? nd : "", nd != NULL ? "." : "");
	free(cl);
	free(nd);
}

static const struct validator validators[] = {
	{ "json_object", 0, 0, v_json_object },
	{ "dns_forward_zones", 0, 1, v_dns_forward_zones },
	{ "dcos_overlay_network", 0, 1, v_dcos_overlay_network },
	{ "overlay_name", 1, 1, v_overlay_name },
	{ "overlay_name_ipv4", 1, 1, v_overlay_name_ipv4 },
	{ "subnets_disjoint", 1, 1, v_subnets_disjoint },
	{ "ip_at_most", 1, 1, v_ip_at_most },
	{ "check_config", 0, 1, v_check_config },
	{ "check_names_disjoint", 1, 1, v_check_names_disjoint },
	{ "shm_size", 0, 1, v_shm_size },
};

const char validator_names[] = "json_object, dns_forward_zones, "
    "dcos_overlay_network, overlay_name, overlay_name_ipv4, "
    "subnets_disjoint, ip_at_most, check_config, check_names_disjoint or "
    "shm_size";

const struct validator *
validator_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(validators) / sizeof(validators[0]); i++)
		if (strcmp(validators[i].name, name) == 0)
			return &validators[i];
	return NULL;
}
