/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.yaml against the schema: types, defaults, derived values,
 * required keys, checks and cross-key rules.  Every problem is collected
 * (an operator fixing a 10,000-host config wants the whole list at once),
 * with DC/OS's messages where DC/OS has one.
 */
#include <config.h>

#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicio.h"
#include "error.h"
#include "schema.h"
#include "ytree.h"

#define MSG_URL		"Should be a url (http://example.com/bar or " \
			"file:///path/to/local/cache)"
#define MSG_PORT	"Must be between 1 and 65535 inclusive"
#define MASK		"********"
/* ip-detect and friends are small scripts. */
#define CONTENTS_MAX	(1024 * 1024)

static int
set_msg(char **msgp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
set_msg(char **msgp, const char *fmt, ...)
{
	va_list	 ap;

	free(*msgp);
	*msgp = NULL;
	va_start(ap, fmt);
	if (vasprintf(msgp, fmt, ap) == -1)
		*msgp = NULL;
	va_end(ap);
	return -1;
}

int
valid_ipv4(const char *s)
{
	struct in_addr	 a;

	return inet_pton(AF_INET, s, &a) == 1;
}

int
has_ctrl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static int
valid_url(const char *s)
{
	const char	*p = s;

	if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		return 0;
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	    (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.')
		p++;
	if (strncmp(p, "://", 3) != 0 || p[3] == '\0')
		return 0;
	for (; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/*
 * The port of "ADDRESS:PORT" as DC/OS checks it (its messages): 0, or -1
 * with *msgp.
 */
int
check_port_text(const char *port, char **msgp)
{
	const char	*p;
	long		 v = 0;

	for (p = port; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			break;
		if (v <= 65535)
			v = v * 10 + (*p - '0');
	}
	if (*port == '\0' || *p != '\0')
		return set_msg(msgp, "Must be an integer but got a str: %s",
		    port);
	if (v < 1 || v > 65535)
		return set_msg(msgp, "%s", MSG_PORT);
	return 0;
}

/*
 * Splits "a.b.c.d[:port]" at its last ':' as DC/OS does: 0 with the
 * address in host (NUL-terminated), -1 with *msgp for a bad port or an
 * address too long to be one (then host holds a prefix).
 */
static int
split_ipv4_port(const char *s, char *host, size_t hostsz, char **msgp)
{
	const char	*colon = strrchr(s, ':');
	size_t		 n = colon != NULL ? (size_t)(colon - s) : strlen(s);

	if (colon != NULL && check_port_text(colon + 1, msgp) == -1)
		return -1;
	if (n >= hostsz)
		n = hostsz - 1;
	memcpy(host, s, n);
	host[n] = '\0';
	return 0;
}

static int
check_ipv4_port(const char *s, char **msgp)
{
	char	 host[INET_ADDRSTRLEN + 1];

	if (split_ipv4_port(s, host, sizeof(host), msgp) == -1)
		return -1;
	if (strlen(host) >= INET_ADDRSTRLEN || !valid_ipv4(host))
		return set_msg(msgp, "Invalid IPv4 address: %s", s);
	return 0;
}

/* The text of a scalar as written; NULL for collections. */
static const char *
scalar_text(const struct ynode *n)
{
	if (n->type != YNODE_SCALAR)
		return NULL;
	return n->kind == YSCALAR_NULL ? "" : n->str;
}

static int
valid_ipv6(const char *s)
{
	struct in6_addr	 a;

	return inet_pton(AF_INET6, s, &a) == 1;
}

static int
check_ipv6(const char *s, char **msgp)
{
	if (strchr(s, '%') != NULL)
		return set_msg(msgp, "Invalid IPv6 address: %s (a zone index "
		    "such as %%eth0 has no meaning in a cluster config)", s);
	return valid_ipv6(s) ? 0 : set_msg(msgp, "Invalid IPv6 address: %s",
	    s);
}

int
cidr_parse(const char *s, int af, unsigned char *addr, int *bitsp)
{
	char		 host[INET6_ADDRSTRLEN];
	const char	*slash = strrchr(s, '/'), *p;
	int		 bits = 0, max = af == AF_INET ? 32 : 128, i;

	if (slash == NULL || slash == s || (size_t)(slash - s) >= sizeof(host)
	    || slash[1] == '\0' || (slash[1] == '0' && slash[2] != '\0'))
		return -1;
	for (p = slash + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || bits > max)
			return -1;
		bits = bits * 10 + (*p - '0');
	}
	memcpy(host, s, (size_t)(slash - s));
	host[slash - s] = '\0';
	memset(addr, 0, 16);
	if (bits > max || inet_pton(af, host, addr) != 1)
		return -1;
	*bitsp = bits;
	for (i = bits; i < max; i++)
		if (addr[i / 8] & (0x80 >> (i % 8)))
			return -2;
	return 0;
}

/*
 * "ADDRESS/PREFIX" of family af, without host bits (as Python's
 * ip_network(), which DC/OS uses, insists).  DC/OS's message.
 */
int
check_cidr(const char *name, const char *s, int af, char **msgp)
{
	unsigned char	 a[16];
	int		 bits;

	switch (cidr_parse(s, af, a, &bits)) {
	case 0:
		return 0;
	case -2:
		return set_msg(msgp, "Incorrect value for `%s`: `%s`. "
		    "It has host bits set: write the network address",
		    name, s);
	default:
		return set_msg(msgp, "Incorrect value for `%s`: `%s`. Only "
		    "IPv%d subnets are allowed", name, s, af == AF_INET ?
		    4 : 6);
	}
}

/*
 * Mesos's durations as DC/OS checks mesos_recovery_timeout: a decimal
 * number (at most one '.') and a unit, DC/OS's messages.
 */
static int
check_duration(const char *name, const char *s, char **msgp)
{
	static const char *const units[] = {
		"ns", "us", "ms", "secs", "mins", "hrs", "days", "weeks"
	};
	const char	*p = s;
	size_t		 i, dots = 0;

	while ((*p >= '0' && *p <= '9') || *p == '.')
		dots += *p++ == '.';
	if (p == s || *p == '\0' || p - s == (ptrdiff_t)dots)
		return set_msg(msgp, "Error parsing '%s' value: %s.", name, s);
	if (dots > 1)
		return set_msg(msgp, "Invalid decimal format.");
	/* DC/OS: float(value) <= 2**64. */
	if (strtod(s, NULL) > 18446744073709551616.0)
		return set_msg(msgp, "Value %.*s not in supported range.",
		    (int)(p - s), s);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(p, units[i]) == 0)
			return 0;
	return set_msg(msgp, "Unit '%s' not in ['ns', 'us', 'ms', 'secs', "
	    "'mins', 'hrs', 'days', 'weeks'].", p);
}

/* RFC 1123: dot-separated labels of letters, digits and inner '-'. */
static int
valid_hostname(const char *s)
{
	size_t	 len = 0, total = strlen(s);

	if (total == 0 || total > 253)
		return 0;
	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (len == 0 || s[-1] == '-')
				return 0;
			len = 0;
			continue;
		}
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || (*s == '-' && len > 0)))
			return 0;
		if (++len > 63)
			return 0;
	}
	return len > 0 && s[-1] != '-';
}

static int
valid_email(const char *s)
{
	const char	*at = strrchr(s, '@'), *p;

	if (at == NULL || at == s || strchr(at + 1, '.') == NULL)
		return 0;
	for (p = s; p < at; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '@' ||
		    *p == '<' || *p == '>')
			return 0;
	return valid_hostname(at + 1);
}

/* The address types: 0, or -1 with *msgp. */
static int
convert_address(const struct param *p, enum ptype t, const char *s,
    char **msgp)
{
	switch (t) {
	case PT_IPV4:
		return valid_ipv4(s) ? 0 : set_msg(msgp, "Invalid IPv4 "
		    "address: %s", s);
	case PT_IPV4_PORT:
		return check_ipv4_port(s, msgp);
	case PT_IPV6:
		return check_ipv6(s, msgp);
	case PT_IP:
		if (valid_ipv4(s) || (strchr(s, '%') == NULL &&
		    valid_ipv6(s)))
			return 0;
		return set_msg(msgp, "Invalid IP address: %s (write an IPv4 "
		    "or IPv6 address)", s);
	case PT_CIDR4:
		return check_cidr(p->name, s, AF_INET, msgp);
	case PT_CIDR6:
		return check_cidr(p->name, s, AF_INET6, msgp);
	case PT_HOSTNAME:
		return valid_hostname(s) ? 0 : set_msg(msgp, "Must be a host "
		    "name (letters, digits and '-' in dot-separated labels). "
		    "Got '%s'.", s);
	case PT_EMAIL:
		return valid_email(s) ? 0 : set_msg(msgp, "Must be an email "
		    "address (user@example.com). Got '%s'.", s);
	case PT_DURATION:
		return check_duration(p->name, s, msgp);
	default:
		return 0;
	}
}

static int
convert_int(const struct param *p, enum ptype t, const struct ynode *n,
    const char *s, json_t **outp, char **msgp)
{
	char		*end;
	long long	 v;

	(void)p;
	if (n->kind == YSCALAR_INT)
		v = n->ival;
	else {
		errno = 0;
		v = strtoll(s, &end, 10);
		if (*s == '\0' || *end != '\0' || errno != 0)
			/* DC/OS's words: it saw a Python str. */
			return set_msg(msgp, "Must be an integer but got a "
			    "str: %s", s);
	}
	if (t == PT_PORT && (v < 1 || v > 65535))
		return set_msg(msgp, "%s", MSG_PORT);
	*outp = json_integer(v);
	return 0;
}

static int
convert_enum(const struct param *p, const char *s, json_t **outp,
    char **msgp)
{
	char	*list = NULL, *tmp;
	size_t	 i;

	for (i = 0; i < p->nvalues; i++)
		if (strcmp(s, p->values[i]) == 0) {
			*outp = json_string(s);
			return 0;
		}
	for (i = 0; i < p->nvalues; i++) {
		if (asprintf(&tmp, "%s%s'%s'", list != NULL ? list : "",
		    i > 0 ? ", " : "", p->values[i]) == -1) {
			free(list);
			return -1;
		}
		free(list);
		list = tmp;
	}
	set_msg(msgp, "Must be one of %s. Got '%s'.", list, s);
	free(list);
	return -1;
}

static int
convert_scalar(const struct param *p, enum ptype t, const struct ynode *n,
    json_t **outp, char **msgp)
{
	const char	*s = scalar_text(n);

	if (s == NULL)
		return set_msg(msgp, "Must be a single value, not %s",
		    ynode_describe(n));
	switch (t) {
	case PT_BOOL:
		if (n->kind == YSCALAR_BOOL)
			*outp = json_boolean(n->bval);
		else if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)
			*outp = json_boolean(s[0] == 't');
		else
			return set_msg(msgp, "Must be one of 'true', 'false'. "
			    "Got '%s'.", s);
		break;
	case PT_INT:
	case PT_PORT:
		if (convert_int(p, t, n, s, outp, msgp) == -1)
			return -1;
		break;
	case PT_URL:
		if (!valid_url(s))
			return set_msg(msgp, "%s", MSG_URL);
		*outp = json_string(s);
		break;
	case PT_PATH:
		if (*s == '\0' || has_ctrl(s))
			return set_msg(msgp, "Must be a file path. Got '%s'.",
			    s);
		*outp = json_string(s);
		break;
	case PT_ENUM:
		if (convert_enum(p, s, outp, msgp) == -1)
			return -1;
		break;
	case PT_IPV4:
	case PT_IPV4_PORT:
	case PT_IPV6:
	case PT_IP:
	case PT_CIDR4:
	case PT_CIDR6:
	case PT_HOSTNAME:
	case PT_EMAIL:
	case PT_DURATION:
		if (convert_address(p, t, s, msgp) == -1)
			return -1;
		*outp = json_string(s);
		break;
	default:
		if (has_ctrl(s) && strchr(s, '\n') == NULL)
			return set_msg(msgp, "Must not hold control "
			    "characters");
		*outp = json_string(s);
		break;
	}
	if (*outp == NULL)
		return set_msg(msgp, "Must be UTF-8 text");
	return 0;
}

/* The old DC/OS form: a JSON list inside a string. */
static int
legacy_items(const char *s, struct ynode **itemsp, size_t *np, char **msgp)
{
	json_t		*a;
	json_error_t	 je;
	struct ynode	*items;
	size_t		 i;

	if ((a = json_loads(s, JSON_REJECT_DUPLICATES, &je)) == NULL ||
	    !json_is_array(a)) {
		json_decref(a);
		return set_msg(msgp, "Must be a list (write it as a YAML "
		    "list: - item)");
	}
	if ((items = calloc(json_array_size(a) + 1, sizeof(*items))) == NULL) {
		json_decref(a);
		return -1;
	}
	for (i = 0; i < json_array_size(a); i++) {
		json_t	*it = json_array_get(a, i);

		items[i].type = YNODE_SCALAR;
		items[i].kind = YSCALAR_STR;
		if ((items[i].str = json_text(it)) == NULL) {
			*np = i;
			*itemsp = items;
			json_decref(a);
			return set_msg(msgp, "Must be a list of single "
			    "values");
		}
		if (json_is_integer(it)) {
			items[i].kind = YSCALAR_INT;
			items[i].ival = json_integer_value(it);
		} else if (json_is_boolean(it)) {
			items[i].kind = YSCALAR_BOOL;
			items[i].bval = json_is_true(it);
		}
	}
	*np = i;
	*itemsp = items;
	json_decref(a);
	return 0;
}

/* The problems of one value, each at its node. */
struct cerr {
	int	 line, col;
	char	*msg;
};

struct conv {
	struct cerr	*v;
	size_t		 n;
	size_t		 cap;	/* of v, doubling */
	int		 oom;
	int		 legacy;
};

/* Takes msg (NULL: out of memory); prefix names a map entry or is "". */
static void
conv_add(struct conv *cv, const struct ynode *at, const char *prefix,
    char *msg)
{
	struct cerr	*v;
	char		*full = NULL;
	size_t		 ncap;

	if (msg == NULL || asprintf(&full, "%s%s", prefix, msg) == -1)
		goto oom;
	if (cv->n == cv->cap) {
		ncap = cv->cap == 0 ? 16 : cv->cap * 2;
		if ((v = reallocarray(cv->v, ncap, sizeof(*v))) == NULL)
			goto oom;
		cv->v = v;
		cv->cap = ncap;
	}
	free(msg);
	cv->v[cv->n].line = at->line;
	cv->v[cv->n].col = at->col;
	cv->v[cv->n++].msg = full;
	return;
oom:
	free(msg);
	free(full);
	cv->oom = 1;
}

static void
conv_clear(struct conv *cv)
{
	size_t	 i;

	for (i = 0; i < cv->n; i++)
		free(cv->v[i].msg);
	free(cv->v);
	memset(cv, 0, sizeof(*cv));
}

static json_t	*convert(const struct param *, const struct ynode *,
		    struct conv *, const char *);

/* One list item or map value: nested, or of the item type. */
static json_t *
convert_item(const struct param *p, const struct ynode *n, struct conv *cv,
    const char *prefix)
{
	json_t	*out = NULL;
	char	*msg = NULL;

	if (p->item != NULL)
		return convert(p->item, n, cv, prefix);
	if (convert_scalar(p, p->item_type, n, &out, &msg) == -1) {
		conv_add(cv, n, prefix, msg);
		return NULL;
	}
	return out;
}

/* {key: value}: every bad key and value reported where it is. */
static json_t *
convert_map(const struct param *p, const struct ynode *n, struct conv *cv,
    const char *prefix)
{
	const struct ynode	*k;
	json_t			*map, *key, *val;
	char			*msg = NULL, *sub = NULL;
	size_t			 i, before = cv->n;

	if (n->type == YNODE_SCALAR && n->kind == YSCALAR_NULL)
		return json_object();
	if (n->type != YNODE_MAP) {
		if (asprintf(&msg, "Must be a mapping (key: value), not %s",
		    ynode_describe(n)) == -1)
			msg = NULL;
		conv_add(cv, n, prefix, msg);
		return NULL;
	}
	if ((map = json_object()) == NULL) {
		cv->oom = 1;
		return NULL;
	}
	for (i = 0; i < ymap_len(n); i++) {
		k = ymap_key(n, i);
		key = NULL;
		msg = NULL;
		if (convert_scalar(p, p->key_type, k, &key, &msg) == -1) {
			conv_add(cv, k, prefix, msg);
			continue;
		}
		if (asprintf(&sub, "%s%s: ", prefix, k->str) == -1) {
			json_decref(key);
			cv->oom = 1;
			break;
		}
		val = convert_item(p, ymap_value(n, i), cv, sub);
		free(sub);
		if (val != NULL && json_object_set_new(map, json_is_string(key)
		    ? json_string_value(key) : k->str, val) == -1)
			cv->oom = 1;
		json_decref(key);
	}
	if (cv->n > before || cv->oom) {
		json_decref(map);
		return NULL;
	}
	return map;
}
/*
 * Whether item of an address list has a bad address (and a good port, if
 * any): DC/OS names all of those in one message.  *lenp gets the length
 * of the address part of the item's text.
 */
static int
bad_list_address(const struct param *p, const struct ynode *it, int *lenp)
{
	char		 host[INET_ADDRSTRLEN + 1], *msg = NULL;
	const char	*s = scalar_text(it), *colon;

	if (s == NULL || (p->item_type != PT_IPV4 &&
	    p->item_type != PT_IPV4_PORT))
		return 0;
	*lenp = (int)strlen(s);
	if (p->item_type == PT_IPV4)
		return !valid_ipv4(s);
	if (split_ipv4_port(s, host, sizeof(host), &msg) == -1) {
		/* The port's problem is reported with the item. */
		free(msg);
		return 0;
	}
	if ((colon = strrchr(s, ':')) != NULL)
		*lenp = (int)(colon - s);
	return (size_t)*lenp >= INET_ADDRSTRLEN || !valid_ipv4(host);
}

/*
 * A list: YAML, or DC/OS's old JSON-in-a-string.  DC/OS names every bad
 * address of a list in one message; other bad items are reported at
 * themselves.
 */
static json_t *
convert_list(const struct param *p, const struct ynode *n, struct conv *cv,
    const char *prefix)
{
	struct ynode		*legacy = NULL;
	const struct ynode	*it;
	json_t			*list = NULL, *item;
	struct strjoin		 badj;
	char			*bad = NULL, *msg = NULL;
	size_t			 i, count = 0, before = cv->n;
	int			 alen;

	memset(&badj, 0, sizeof(badj));
	if (n->type == YNODE_SCALAR && n->kind == YSCALAR_NULL)
		count = 0;
	else if (n->type == YNODE_SCALAR && n->kind == YSCALAR_STR &&
	    n->str != NULL && n->str[0] == '[') {
		if (legacy_items(n->str, &legacy, &count, &msg) == -1) {
			conv_add(cv, n, prefix, msg);
			goto out;
		}
		cv->legacy = 1;
	} else if (n->type == YNODE_SEQ)
		count = n->n;
	else {
		if (asprintf(&msg, "Must be a list, not %s",
		    ynode_describe(n)) == -1)
			msg = NULL;
		conv_add(cv, n, prefix, msg);
		goto out;
	}
	if ((list = json_array()) == NULL) {
		cv->oom = 1;
		goto out;
	}
	for (i = 0; i < count; i++) {
		it = legacy != NULL ? &legacy[i] : n->items[i];
		msg = NULL;
		if (p->item == NULL && bad_list_address(p, it, &alen)) {
			strjoin_add(&badj, "%.*s", alen, scalar_text(it));
			continue;
		}
		/*
		 * An address bad_list_address() found good is ASCII text:
		 * not checked twice (a list can hold 10,000 of them).
		 */
		if (p->item == NULL && p->item_type == PT_IPV4 &&
		    it->type == YNODE_SCALAR) {
			if ((item = json_string_nocheck(scalar_text(it))) ==
			    NULL || json_array_append_new(list, item) == -1)
				cv->oom = 1;
			continue;
		}
		/* Legacy items have no position of their own. */
		if ((item = convert_item(p, it, cv, prefix)) == NULL) {
			if (legacy != NULL && cv->n > 0) {
				cv->v[cv->n - 1].line = n->line;
				cv->v[cv->n - 1].col = n->col;
			}
			continue;
		}
		if (json_array_append_new(list, item) == -1)
			cv->oom = 1;
	}
	if ((bad = strjoin_end(&badj, &cv->oom)) != NULL) {
		if (asprintf(&msg, "Invalid IPv4 addresses in list: %s", bad) ==
		    -1)
			msg = NULL;
		conv_add(cv, n, prefix, msg);
	}
out:
	free(strjoin_end(&badj, &cv->oom));
	if (legacy != NULL) {
		for (i = 0; i < count; i++)
			free(legacy[i].str);
		free(legacy);
	}
	free(bad);
	if (cv->n > before || cv->oom) {
		json_decref(list);
		return NULL;
	}
	return list;
}

json_t *
ynode_json(const struct ynode *n)
{
	json_t	*out, *v;
	size_t	 i;

	if (n->type == YNODE_SCALAR) {
		switch (n->kind) {
		case YSCALAR_NULL:
			return json_null();
		case YSCALAR_BOOL:
			return json_boolean(n->bval);
		case YSCALAR_INT:
			return json_integer(n->ival);
		default:
			return json_stringn(n->str, n->len);
		}
	}
	if ((out = n->type == YNODE_SEQ ? json_array() : json_object()) ==
	    NULL)
		return NULL;
	for (i = 0; i < (n->type == YNODE_SEQ ? n->n : ymap_len(n)); i++) {
		v = ynode_json(n->type == YNODE_SEQ ? n->items[i] :
		    ymap_value(n, i));
		if (v == NULL || (n->type == YNODE_SEQ ?
		    json_array_append_new(out, v) : json_object_set_new(out,
		    ymap_key(n, i)->str, v)) == -1) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

/*
 * json: any YAML value as it is, a string as the JSON text DC/OS's
 * config.yaml files carry (its message when that does not parse).
 */
static json_t *
convert_json(const struct ynode *n, struct conv *cv, const char *prefix)
{
	json_t		*out;
	json_error_t	 je;
	char		*msg = NULL;

	if (n->type == YNODE_SCALAR && n->kind == YSCALAR_STR) {
		if ((out = json_loadb(n->str, n->len, JSON_DECODE_ANY |
		    JSON_REJECT_DUPLICATES, &je)) != NULL)
			return out;
		if (asprintf(&msg, "Must be valid JSON. Got: %s", n->str) ==
		    -1)
			msg = NULL;
		conv_add(cv, n, prefix, msg);
		return NULL;
	}
	if ((out = ynode_json(n)) == NULL)
		cv->oom = 1;
	return out;
}

static json_t *
convert(const struct param *p, const struct ynode *n, struct conv *cv,
    const char *prefix)
{
	json_t	*out = NULL;
	char	*msg = NULL;

	if (p->type == PT_JSON)
		return convert_json(n, cv, prefix);
	if (p->type == PT_LIST)
		return convert_list(p, n, cv, prefix);
	if (p->type == PT_MAP)
		return convert_map(p, n, cv, prefix);
	if (convert_scalar(p, p->type, n, &out, &msg) == -1) {
		conv_add(cv, n, prefix, msg);
		return NULL;
	}
	return out;
}

int
value_convert(const struct param *p, const struct ynode *n, json_t **outp,
    char **msgp, int *legacyp)
{
	struct conv	 cv;

	memset(&cv, 0, sizeof(cv));
	*msgp = NULL;
	*outp = convert(p, n, &cv, "");
	if (legacyp != NULL)
		*legacyp = cv.legacy;
	if (*outp != NULL) {
		conv_clear(&cv);
		return 0;
	}
	/* The first problem; value_convert_diags() gives them all. */
	if (!cv.oom && cv.n > 0) {
		*msgp = cv.v[0].msg;
		cv.v[0].msg = NULL;
	}
	conv_clear(&cv);
	return -1;
}

int
value_convert_diags(const struct param *p, const struct ynode *n,
    json_t **outp, const char *file, struct diags *d, int *legacyp)
{
	struct conv	 cv;
	char		*msg;
	size_t		 i;
	int		 rc = 1;

	memset(&cv, 0, sizeof(cv));
	*outp = convert(p, n, &cv, "");
	if (legacyp != NULL)
		*legacyp = cv.legacy;
	if (cv.oom) {
		json_decref(*outp);
		*outp = NULL;
		rc = -1;
	} else if (*outp != NULL)
		rc = 0;
	for (i = 0; rc == 1 && i < cv.n; i++) {
		msg = NULL;
		/* The schema's words for a bad single value. */
		if (p->invalid != NULL && !p->secret &&
		    n->type == YNODE_SCALAR && (msg = fill_message(p->invalid,
		    scalar_text(n), NULL)) == NULL) {
			rc = -1;
			break;
		}
		/* A message may quote the value. */
		if (diags_add(d, file, cv.v[i].line, cv.v[i].col, p->name,
		    "%s", p->secret ? "Invalid value (not shown: the "
		    "parameter is secret)" : msg != NULL ? msg : cv.v[i].msg)
		    == -1)
			rc = -1;
		free(msg);
	}
	conv_clear(&cv);
	return rc;
}

void
validation_clear(struct validation *v)
{
	json_decref(v->effective);
	json_decref(v->user);
	diags_clear(&v->errors);
	diags_clear(&v->warnings);
	memset(v, 0, sizeof(*v));
}

struct textset;
struct vs;
static const struct textset *list_set(struct vs *, const struct param *,
		    const json_t *);
static int	has_repeats(const struct textset *);
static int	strips_port(const struct param *);

/* Validation state. */
struct vs {
	const struct schema	*s;
	const char		*file;
	const char		*genconf;	/* the site's genconf dir */
	const char		*base;		/* its parent */
	struct validation	*v;
	int			*line, *col;	/* per param; 0: unset */
	const struct ynode	**node;		/* per param: its value */
	struct textset		*sets;		/* per param: list_set() */
	int			 oom;
};

static size_t
param_index(const struct vs *vs, const struct param *p)
{
	return (size_t)(p - vs->s->params);
}

/* Where to point for a key: its value, else the source it came from. */
static void
where(const struct vs *vs, const char *key, int *line, int *col)
{
	const struct param	*p = schema_find(vs->s, key);
	size_t			 i;

	*line = *col = 1;
	if (p == NULL)
		return;
	i = param_index(vs, p);
	if (vs->line[i] == 0 && p->from != NULL) {
		p = schema_find(vs->s, p->from);
		i = param_index(vs, p);
	}
	if (vs->line[i] != 0) {
		*line = vs->line[i];
		*col = vs->col[i];
	}
}

static void
error_at(struct vs *vs, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
error_at(struct vs *vs, const char *key, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg = NULL;
	int	 line, col;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	where(vs, key, &line, &col);
	if (msg == NULL || diags_add(&vs->v->errors, vs->file, line, col, key,
	    "%s", msg) == -1)
		vs->oom = 1;
	free(msg);
}

static void
unknown_key(struct vs *vs, const struct ynode *k)
{
	const char	*best = NULL;
	size_t		 i, d, bestd = (size_t)-1, len = strlen(k->str);

	for (i = 0; i < vs->s->nparams; i++) {
		/*
		 * A name whose length differs by more than 3 is no typo;
		 * skipping it keeps a file of 100,000 unknown keys cheap.
		 */
		d = strlen(vs->s->params[i].name);
		if (d > len + 3 || d + 3 < len)
			continue;
		d = edit_distance(k->str, vs->s->params[i].name);
		if (d < bestd) {
			bestd = d;
			best = vs->s->params[i].name;
		}
	}
	/* Close enough to be a typo: at most a third of the word changed. */
	if (best != NULL && bestd <= 3 && bestd * 3 <= len + 2) {
		if (diags_add(&vs->v->errors, vs->file, k->line, k->col,
		    k->str, "Unknown parameter. Did you mean '%s'?", best) ==
		    -1)
			vs->oom = 1;
	} else if (diags_add(&vs->v->errors, vs->file, k->line, k->col,
	    k->str, "Unknown parameter: remove it (stricter than DC/OS on "
	    "purpose: a misspelt key would otherwise change nothing; "
	    "'dcos-genconf show' lists the parameters this release knows)") ==
	    -1)
		vs->oom = 1;
}

static void
read_user(struct vs *vs, const struct ynode *root)
{
	const struct ynode	*k, *n;
	const struct param	*p;
	json_t			*val = NULL;
	size_t			 i, pi;
	int			 legacy, r;

	for (i = 0; i < ymap_len(root); i++) {
		k = ymap_key(root, i);
		n = ymap_value(root, i);
		if ((p = schema_find(vs->s, k->str)) == NULL) {
			unknown_key(vs, k);
			continue;
		}
		pi = param_index(vs, p);
		vs->line[pi] = n->line;
		vs->col[pi] = n->col;
		vs->node[pi] = n;
		if (p->derive != DV_NONE && p->derive_when.n == 0) {
			error_at(vs, p->name, "Must not be set: it is always "
			    "calculated from %s", p->from);
			continue;
		}
		if (n->type == YNODE_SCALAR && n->kind == YSCALAR_NULL &&
		    p->type != PT_LIST) {
			/* "key:" with nothing: as if absent, but say so. */
			vs->line[pi] = vs->col[pi] = 0;
			if (diags_add(&vs->v->warnings, vs->file, n->line,
			    n->col, p->name, "empty value: treated as not set")
			    == -1)
				vs->oom = 1;
			continue;
		}
		if (p->secret && n->type == YNODE_SCALAR &&
		    strcmp(n->str != NULL ? n->str : "", MASK) == 0) {
			error_at(vs, p->name, "'%s' is the mask that "
			    "'dcos-genconf show' prints: put the real secret "
			    "back", MASK);
			continue;
		}
		if ((r = value_convert_diags(p, n, &val, vs->file,
		    &vs->v->errors, &legacy)) != 0) {
			if (r == -1)
				vs->oom = 1;
			continue;
		}
		if (legacy && diags_add(&vs->v->warnings, vs->file, n->line,
		    n->col, p->name, "a list encoded in a string is the old "
		    "DC/OS form: write it as a YAML list") == -1)
			vs->oom = 1;
		if (json_object_set(vs->v->user, p->name, val) == -1 ||
		    json_object_set_new(vs->v->effective, p->name, val) == -1)
			vs->oom = 1;
	}
}

static json_t *
derive_join(const struct param *p, const json_t *list)
{
	const char	*f;
	char		*out = NULL, *item;
	size_t		 i, len = 0;
	FILE		*fp;
	json_t		*j;

	if (!json_is_array(list))
		return NULL;
	if ((fp = open_memstream(&out, &len)) == NULL)
		return NULL;
	for (i = 0; i < json_array_size(list); i++) {
		if ((item = json_text(json_array_get(list, i))) == NULL)
			continue;
		if (i > 0)
			fputs(p->separator, fp);
		/* {item} and {index} (1-based); anything else is literal. */
		for (f = p->format; *f != '\0'; f++) {
			if (strncmp(f, "{item}", 6) == 0) {
				fputs(item, fp);
				f += 5;
			} else if (strncmp(f, "{index}", 7) == 0) {
				fprintf(fp, "%zu", i + 1);
				f += 6;
			} else
				fputc(*f, fp);
		}
		free(item);
	}
	if (fclose(fp) != 0) {
		free(out);
		return NULL;
	}
	j = json_string(out);
	free(out);
	return j;
}

static int
text_cmp(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a),
	    json_string_value(*(json_t *const *)b));
}

static json_t *
derive_sorted(const json_t *list)
{
	json_t	**v, *out;
	size_t	  i, n = json_array_size(list);

	if (!json_is_array(list))
		return NULL;
	for (i = 0; i < n; i++)
		if (!json_is_string(json_array_get(list, i)))
			return json_deep_copy(list);
	if ((v = calloc(n + 1, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		v[i] = json_array_get(list, i);
	qsort(v, n, sizeof(*v), text_cmp);
	if ((out = json_array()) != NULL)
		for (i = 0; i < n; i++)
			json_array_append(out, v[i]);
	free(v);
	return out;
}

static char *
resolve_path(const struct vs *vs, const char *path)
{
	if (path[0] == '/')
		return strdup(path);
	/*
	 * DC/OS names the site's files "genconf/ip-detect", relative to the
	 * directory holding genconf/: with --genconf DIR that prefix means
	 * DIR, and any other relative path is relative to DIR's parent.
	 */
	if (strncmp(path, "genconf/", 8) == 0)
		return path_join(vs->genconf, path + 8);
	return path_join(vs->base, path);
}

static json_t *
derive_contents(struct vs *vs, const struct param *p, const json_t *src)
{
	char	*path, *buf = NULL, *err = NULL;
	size_t	 len;
	json_t	*j = NULL;

	if (!json_is_string(src))
		return NULL;
	if ((path = resolve_path(vs, json_string_value(src))) == NULL) {
		vs->oom = 1;
		return NULL;
	}
	if (read_file(path, CONTENTS_MAX, &buf, &len, &err) == -1) {
		/* A missing file is the file_exists check's to report. */
		if (errno != ENOENT)
			error_at(vs, p->from, "cannot read `%s`: %s",
			    json_string_value(src), err);
	} else if ((j = json_stringn(buf, len)) == NULL)
		error_at(vs, p->from, "`%s` must be UTF-8 text",
		    json_string_value(src));
	free(err);
	free(buf);
	free(path);
	return j;
}

static void
derive_all(struct vs *vs)
{
	const struct param	*p;
	const json_t		*src;
	json_t			*val;
	char			*when;
	size_t			 i;

	for (i = 0; i < vs->s->nparams; i++) {
		p = &vs->s->params[i];
		if (p->derive == DV_NONE || !conds_hold(vs->v->effective,
		    &p->derive_when))
			continue;
		if (json_object_get(vs->v->user, p->name) != NULL) {
			when = conds_text(&p->derive_when);
			error_at(vs, p->name, "Must not be set when %s: it is "
			    "calculated from %s", when != NULL ? when : "",
			    p->from);
			free(when);
			json_object_del(vs->v->effective, p->name);
		}
		if ((src = json_object_get(vs->v->effective, p->from)) ==
		    NULL) {
			if (p->fallback != NULL && (src = json_object_get(
			    vs->v->effective, p->fallback)) != NULL &&
			    json_object_set(vs->v->effective, p->name,
			    (json_t *)src) == -1)
				vs->oom = 1;
			continue;
		}
		val = NULL;
		switch (p->derive) {
		case DV_LENGTH:
			if (json_is_array(src))
				val = json_integer((json_int_t)
				    json_array_size(src));
			break;
		case DV_QUORUM:
			if (json_is_integer(src))
				val = json_integer(json_integer_value(src) / 2
				    + 1);
			break;
		case DV_JOIN:
			val = derive_join(p, src);
			break;
		case DV_SORTED:
			val = derive_sorted(src);
			break;
		case DV_CONTENTS:
			val = derive_contents(vs, p, src);
			break;
		default:
			break;
		}
		if (val != NULL && json_object_set_new(vs->v->effective,
		    p->name, val) == -1)
			vs->oom = 1;
	}
}

void
strjoin_vadd(struct strjoin *sj, const char *fmt, va_list ap)
{
	if (sj->oom)
		return;
	if (sj->fp == NULL && (sj->fp = open_memstream(&sj->buf,
	    &sj->len)) == NULL) {
		sj->oom = 1;
		return;
	}
	if (sj->n++ > 0)
		fputs(", ", sj->fp);
	if (vfprintf(sj->fp, fmt, ap) < 0)
		sj->oom = 1;
}

void
strjoin_add(struct strjoin *sj, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	strjoin_vadd(sj, fmt, ap);
	va_end(ap);
}

char *
strjoin_end(struct strjoin *sj, int *oomp)
{
	char	*out = NULL;

	if (sj->fp != NULL && fclose(sj->fp) != 0)
		sj->oom = 1;
	if (!sj->oom && sj->n > 0)
		out = sj->buf;
	else
		free(sj->buf);
	if (sj->oom)
		*oomp = 1;
	memset(sj, 0, sizeof(*sj));
	return out;
}

char *
fill_message(const char *msg, const char *value, const char *other)
{
	const char	*at;
	char		*out = NULL, *tmp;

	if ((at = strstr(msg, "{value}")) == NULL)
		out = strdup(msg);
	else if (asprintf(&out, "%.*s%s%s", (int)(at - msg), msg, value,
	    at + 7) == -1)
		return NULL;
	if (out == NULL || other == NULL ||
	    (at = strstr(out, "{other}")) == NULL)
		return out;
	if (asprintf(&tmp, "%.*s%s%s", (int)(at - out), out, other,
	    at + 7) == -1)
		tmp = NULL;
	free(out);
	return tmp;
}

static void
fail_check(struct vs *vs, const struct param *p, const struct check *c,
    const char *value, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
fail_check(struct vs *vs, const struct param *p, const struct check *c,
    const char *value, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg = NULL;

	if (c->message != NULL)
		msg = fill_message(c->message, value, NULL);
	else {
		va_start(ap, fmt);
		if (vasprintf(&msg, fmt, ap) == -1)
			msg = NULL;
		va_end(ap);
	}
	if (msg == NULL) {
		vs->oom = 1;
		return;
	}
	error_at(vs, p->name, "%s", msg);
	free(msg);
}

struct dup {
	const char	*text;
	char		*own;	/* text when it had to be made, else NULL */
	size_t		 first;	/* index of the first appearance */
	size_t		 count;
};

/*
 * The text of a list item for comparisons: a string's own (no copy, as
 * lists hold thousands of addresses), else json_text() kept in d->own.
 * 0, or -1 when out of memory.
 */
static int
dup_set(struct dup *d, const json_t *item, size_t i)
{
	d->first = i;
	d->own = NULL;
	if (json_is_string(item)) {
		d->text = json_string_value(item);
		return 0;
	}
	d->text = d->own = json_text(item);
	return d->text != NULL ? 0 : -1;
}

static int
dup_cmp_text(const void *a, const void *b)
{
	const struct dup	*x = a, *y = b;
	int			 c = strcmp(x->text, y->text);

	if (c != 0)
		return c;
	return x->first < y->first ? -1 : x->first > y->first;
}

static int
dup_cmp_first(const void *a, const void *b)
{
	const struct dup	*x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/*
 * Sorting, not comparing every pair: a 10,000-host cluster has lists of
 * 10,000 addresses.  Duplicates are named in order of first appearance.
 */
static void
check_unique(struct vs *vs, const struct param *p, const struct check *c,
    const json_t *list)
{
	const struct textset	*ts;
	struct dup		*v, tmp;
	struct strjoin		 sj;
	char			*msg = NULL;
	size_t			 i, j, k, n = json_array_size(list), ng = 0;

	if (n < 2)
		return;
	/* The sorted items other checks share tell when there are none. */
	if (!strips_port(p) && (ts = list_set(vs, p, list)) != NULL &&
	    !has_repeats(ts))
		return;
	memset(&sj, 0, sizeof(sj));
	if ((v = calloc(n, sizeof(*v))) == NULL) {
		vs->oom = 1;
		return;
	}
	for (i = 0; i < n; i++)
		if (dup_set(&v[i], json_array_get(list, i), i) == -1) {
			vs->oom = 1;
			goto out;
		}
	qsort(v, n, sizeof(*v), dup_cmp_text);
	/* Keep one entry per repeated text, at the front. */
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && strcmp(v[i].text, v[j].text) == 0;
		    j++)
			;
		if (j - i < 2)
			continue;
		tmp = v[ng];
		v[ng] = v[i];
		v[i] = tmp;
		v[ng].count = j - i;
		ng++;
	}
	qsort(v, ng, sizeof(*v), dup_cmp_first);
	for (k = 0; k < ng; k++)
		strjoin_add(&sj, "%s appears %zu times", v[k].text,
		    v[k].count);
	msg = strjoin_end(&sj, &vs->oom);
	if (msg != NULL && p->secret)
		fail_check(vs, p, c, MASK, "List cannot contain duplicates");
	else if (msg != NULL)
		fail_check(vs, p, c, msg, "List cannot contain duplicates: %s",
		    msg);
out:
	for (i = 0; i < n; i++)
		free(v[i].own);
	free(v);
	free(msg);
}

static int
file_exists(const struct vs *vs, const char *path)
{
	struct stat	 st;
	char		*full;
	int		 ok;

	if ((full = resolve_path(vs, path)) == NULL)
		return 1;
	ok = stat(full, &st) == 0 && S_ISREG(st.st_mode);
	free(full);
	return ok;
}

/* Words as Python's str.split() finds them (ASCII whitespace). */
static size_t
count_words(const char *s)
{
	size_t	 n = 0;

	while (*s != '\0') {
		s += strspn(s, " \t\n\r\f\v");
		if (*s == '\0')
			break;
		n++;
		s += strcspn(s, " \t\n\r\f\v");
	}
	return n;
}

/*
 * The texts of a list's items (or of a single value), sorted, for
 * lookups: a 10,000-host site must not compare every pair.  An address
 * with a port counts as its address, as DC/OS compares resolvers.
 */
struct textset {
	const char	**v;
	char		**own;	/* the texts that had to be made */
	size_t		  n, nown;
};

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Whether a parameter's items are compared without their ports. */
static int
strips_port(const struct param *p)
{
	return p->type == PT_IPV4_PORT || (p->type == PT_LIST &&
	    p->item_type == PT_IPV4_PORT);
}

static void
textset_free(struct textset *ts)
{
	size_t	 i;

	for (i = 0; i < ts->nown; i++)
		free(ts->own[i]);
	free(ts->own);
	free(ts->v);
	memset(ts, 0, sizeof(*ts));
}

static int
textset_make(const struct param *p, const json_t *val, struct textset *ts)
{
	const json_t	*it;
	char		*t, *colon;
	size_t		 i, n = json_is_array(val) ? json_array_size(val) : 1;

	memset(ts, 0, sizeof(*ts));
	if ((ts->v = calloc(n + 1, sizeof(*ts->v))) == NULL ||
	    (ts->own = calloc(n + 1, sizeof(*ts->own))) == NULL) {
		textset_free(ts);
		return -1;
	}
	for (i = 0; i < n; i++) {
		it = json_is_array(val) ? json_array_get(val, i) : val;
		/* A string as it is (no copy) unless its port goes. */
		if (json_is_string(it) && (!strips_port(p) ||
		    strchr(json_string_value(it), ':') == NULL)) {
			ts->v[ts->n++] = json_string_value(it);
			continue;
		}
		if ((t = json_text(it)) == NULL) {
			textset_free(ts);
			return -1;
		}
		if (strips_port(p) && (colon = strchr(t, ':')) != NULL)
			*colon = '\0';
		ts->own[ts->nown++] = t;
		ts->v[ts->n++] = t;
	}
	qsort(ts->v, ts->n, sizeof(*ts->v), str_cmp);
	return 0;
}

static int
textset_has(const struct textset *ts, const char *t)
{
	return bsearch(&t, ts->v, ts->n, sizeof(*ts->v), str_cmp) != NULL;
}

static int
has_repeats(const struct textset *ts)
{
	size_t	 i;

	for (i = 1; i < ts->n; i++)
		if (strcmp(ts->v[i], ts->v[i - 1]) == 0)
			return 1;
	return 0;
}

/*
 * The sorted items of a list parameter, made once per validation: the
 * unique and disjoint_from checks of three host lists would otherwise
 * sort the same 10,000 addresses several times.  NULL when out of
 * memory (vs->oom set).
 */
static const struct textset *
list_set(struct vs *vs, const struct param *p, const json_t *val)
{
	struct textset	*ts = &vs->sets[param_index(vs, p)];

	if (ts->v == NULL && textset_make(p, val, ts) == -1) {
		vs->oom = 1;
		return NULL;
	}
	return ts;
}

/* not_in: the reserved values found, in the check's order. */
static void
check_not_in(struct vs *vs, const struct param *p, const struct check *c,
    const json_t *val)
{
	struct textset	 ts;
	struct strjoin	 sj;
	char		*found;
	size_t		 i;

	memset(&sj, 0, sizeof(sj));
	if (textset_make(p, val, &ts) == -1) {
		vs->oom = 1;
		return;
	}
	for (i = 0; i < c->nvalues; i++)
		if (textset_has(&ts, c->values[i]))
			strjoin_add(&sj, "%s", c->values[i]);
	found = strjoin_end(&sj, &vs->oom);
	if (found != NULL)
		fail_check(vs, p, c, found, "Must not be %s: %s",
		    ts.n > 1 ? "any of these reserved values" : "this reserved "
		    "value", found);
	free(found);
	textset_free(&ts);
}

/*
 * The items of list (in order, each once) that ts holds, joined with
 * ", "; NULL when none (or out of memory: *oom set).
 */
static char *
shared_items(const json_t *list, const struct textset *ts, int *oom)
{
	struct dup	*v;
	struct strjoin	 sj;
	size_t		 i, n = 0, len = json_array_size(list);

	memset(&sj, 0, sizeof(sj));
	if ((v = calloc(len + 1, sizeof(*v))) == NULL) {
		*oom = 1;
		return NULL;
	}
	for (i = 0; i < len; i++) {
		if (dup_set(&v[n], json_array_get(list, i), i) == -1) {
			*oom = 1;
			continue;
		}
		if (textset_has(ts, v[n].text))
			n++;
		else
			free(v[n].own);
	}
	/* Each text once, at its first place. */
	qsort(v, n, sizeof(*v), dup_cmp_text);
	for (i = 0; i < n; i++)
		v[i].count = i > 0 && strcmp(v[i].text, v[i - 1].text) == 0;
	qsort(v, n, sizeof(*v), dup_cmp_first);
	for (i = 0; i < n; i++) {
		if (!v[i].count)
			strjoin_add(&sj, "%s", v[i].text);
		free(v[i].own);
	}
	free(v);
	return strjoin_end(&sj, oom);
}

/*
 * disjoint_from: items this list shares with each other list, reported
 * on both keys (either may be the mistake), in this list's order.
 */
static void
check_disjoint(struct vs *vs, const struct param *p, const struct check *c,
    const json_t *val)
{
	const struct param	*op;
	const struct textset	*cached;
	const json_t		*other;
	struct textset		 ts;
	char			*dups, *msg;
	size_t			 k;

	for (k = 0; k < c->nvalues; k++) {
		other = json_object_get(vs->v->effective, c->values[k]);
		if (!json_is_array(other) || json_array_size(other) == 0)
			continue;
		/* Another list's items as this one compares them. */
		op = schema_find(vs->s, c->values[k]);
		if (op != NULL && strips_port(op) == strips_port(p)) {
			if ((cached = list_set(vs, op, other)) == NULL)
				return;
			dups = shared_items(val, cached, &vs->oom);
		} else {
			if (textset_make(p, other, &ts) == -1) {
				vs->oom = 1;
				return;
			}
			dups = shared_items(val, &ts, &vs->oom);
			textset_free(&ts);
		}
		if (dups == NULL)
			continue;
		if (c->message != NULL)
			msg = fill_message(c->message, dups, NULL);
		else if (asprintf(&msg, "%s and %s cannot contain duplicates "
		    "%s", p->name, c->values[k], dups) == -1)
			msg = NULL;
		if (msg == NULL)
			vs->oom = 1;
		else {
			error_at(vs, p->name, "%s", msg);
			error_at(vs, c->values[k], "%s", msg);
		}
		free(msg);
		free(dups);
	}
}

static void
check_one(struct vs *vs, const struct param *p, const struct check *c,
    const json_t *val)
{
	const char	*shown;
	char		*t, *list = NULL, *tmp;
	size_t		 i, len, alen;
	long long	 n;

	if ((t = json_text(val)) == NULL)
		return;
	/* Comparisons use the value, messages never show a secret. */
	shown = p->secret ? MASK : t;
	switch (c->kind) {
	case CK_ONE_OF:
		for (i = 0; i < c->nvalues; i++)
			if (strcmp(t, c->values[i]) == 0)
				break;
		if (i < c->nvalues)
			break;
		for (i = 0; i < c->nvalues; i++) {
			if (asprintf(&tmp, "%s%s'%s'", list != NULL ? list :
			    "", i > 0 ? ", " : "", c->values[i]) == -1) {
				vs->oom = 1;
				break;
			}
			free(list);
			list = tmp;
		}
		fail_check(vs, p, c, shown, "Must be one of %s. Got '%s'.",
		    list != NULL ? list : "", shown);
		free(list);
		break;
	case CK_MUST_NOT_END_WITH:
		len = strlen(t);
		alen = strlen(c->arg);
		if (len >= alen && strcmp(t + len - alen, c->arg) == 0)
			fail_check(vs, p, c, shown, "Must not end in a '%s'",
			    c->arg);
		break;
	case CK_MUST_NOT_START_WITH:
		if (strncmp(t, c->arg, strlen(c->arg)) == 0)
			fail_check(vs, p, c, shown, "Must not start with '%s'",
			    c->arg);
		break;
	case CK_REGEX:
		if (regexec(&c->re, t, 0, NULL, 0) != 0)
			fail_check(vs, p, c, shown, "Must match the regular "
			    "expression %s. Got '%s'.", c->arg, shown);
		break;
	case CK_RANGE:
		n = json_is_integer(val) ? json_integer_value(val) : 0;
		if (!json_is_integer(val) || n < c->min || n > c->max)
			fail_check(vs, p, c, shown, "Must be between %lld "
			    "and %lld inclusive", c->min, c->max);
		break;
	case CK_FILE_EXISTS:
		if (!file_exists(vs, t))
			fail_check(vs, p, c, shown, "File `%s` must exist",
			    shown);
		break;
	case CK_MUST_NOT_CONTAIN:
		if (strstr(t, c->arg) != NULL)
			fail_check(vs, p, c, shown, "Must not contain '%s'",
			    c->arg);
		break;
	case CK_MAX_LENGTH:
		if (strlen(t) > (size_t)c->max)
			fail_check(vs, p, c, shown, "Must be less than %lld "
			    "characters long", c->max + 1);
		break;
	case CK_MAX_WORDS:
		if (count_words(t) > (size_t)c->max)
			fail_check(vs, p, c, shown, "Must contain no more "
			    "than %lld words", c->max);
		break;
	default:
		break;
	}
	free(t);
}

/* Where each JSON value of a parameter came from in config.yaml. */
struct jpos {
	const json_t		*j;
	const struct ynode	*n;
};

struct vrun {
	struct vs		*vs;
	const struct param	*p;
	struct jpos		*idx;	/* sorted by j, built on first need */
	size_t			 nidx, cap;
	int			 built;
};

static int
jpos_cmp(const void *a, const void *b)
{
	uintptr_t	 x = (uintptr_t)((const struct jpos *)a)->j;
	uintptr_t	 y = (uintptr_t)((const struct jpos *)b)->j;

	return x < y ? -1 : x > y;
}

/* Walks a YAML value and the JSON made of it side by side. */
static int
jpos_walk(struct vrun *vr, const struct ynode *n, const json_t *j)
{
	struct jpos	*v;
	size_t		 i;

	if (j == NULL)
		return 0;
	if (vr->nidx == vr->cap) {
		if ((v = reallocarray(vr->idx, vr->cap == 0 ? 16 : vr->cap * 2,
		    sizeof(*v))) == NULL)
			return -1;
		vr->idx = v;
		vr->cap = vr->cap == 0 ? 16 : vr->cap * 2;
	}
	vr->idx[vr->nidx].j = j;
	vr->idx[vr->nidx++].n = n;
	if (n->type == YNODE_MAP && json_is_object(j)) {
		for (i = 0; i < ymap_len(n); i++)
			if (jpos_walk(vr, ymap_value(n, i), json_object_get(j,
			    ymap_key(n, i)->str)) == -1)
				return -1;
	} else if (n->type == YNODE_SEQ && json_is_array(j) &&
	    json_array_size(j) == n->n) {
		for (i = 0; i < n->n; i++)
			if (jpos_walk(vr, n->items[i], json_array_get(j, i)) ==
			    -1)
				return -1;
	}
	return 0;
}

/*
 * The node of the YAML value root that became the JSON value target, or
 * NULL (JSON text in a string has no positions of its own).  Indexed
 * once: a value with thousands of problems must not be walked for each.
 */
static const struct ynode *
find_node(struct vrun *vr, const struct ynode *root, const json_t *val,
    const json_t *target)
{
	struct jpos	 key, *hit;

	if (!vr->built) {
		vr->built = 1;
		if (jpos_walk(vr, root, val) == -1)
			vr->vs->oom = 1;
		else if (vr->nidx > 0)
			qsort(vr->idx, vr->nidx, sizeof(*vr->idx), jpos_cmp);
	}
	key.j = target;
	hit = vr->nidx > 0 ? bsearch(&key, vr->idx, vr->nidx,
	    sizeof(*vr->idx), jpos_cmp) : NULL;
	return hit != NULL ? hit->n : NULL;
}

static void
validator_report(struct vctx *ctx, const json_t *at, int with_too,
    const char *msg)
{
	struct vrun		*vr = ctx->arg;
	struct vs		*vs = vr->vs;
	const struct ynode	*n, *root;
	size_t			 i;

	if (vr->p->secret && ctx->c->fn->quotes)
		msg = "Invalid value (not shown: the parameter is secret)";
	root = vs->node[param_index(vs, vr->p)];
	/* Where the problem is inside a YAML value; else at its key. */
	if (at != NULL && root != NULL &&
	    (n = find_node(vr, root, ctx->val, at)) != NULL) {
		if (diags_add(&vs->v->errors, vs->file, n->line, n->col,
		    vr->p->name, "%s", msg) == -1)
			vs->oom = 1;
	} else
		error_at(vs, vr->p->name, "%s", msg);
	for (i = 0; with_too && i < ctx->c->nwith; i++)
		error_at(vs, ctx->c->with[i], "%s", msg);
}

static void
run_validator(struct vs *vs, const struct param *p, const struct check *c,
    const json_t *val)
{
	struct vctx	 ctx;
	struct vrun	 vr = { vs, p, NULL, 0, 0, 0 };
	const json_t	**with;
	size_t		 i;

	if ((with = calloc(c->nwith + 1, sizeof(*with))) == NULL) {
		vs->oom = 1;
		return;
	}
	for (i = 0; i < c->nwith; i++)
		with[i] = json_object_get(vs->v->effective, c->with[i]);
	memset(&ctx, 0, sizeof(ctx));
	ctx.name = p->name;
	ctx.val = val;
	ctx.with = with;
	ctx.with_names = (const char *const *)c->with;
	ctx.c = c;
	ctx.report = validator_report;
	ctx.arg = &vr;
	c->fn->fn(&ctx);
	if (ctx.oom)
		vs->oom = 1;
	free(vr.idx);
	free(with);
}

static void
run_checks(struct vs *vs)
{
	const struct param	*p;
	const struct check	*c;
	const json_t		*val;
	size_t			 i, j, k;

	for (i = 0; i < vs->s->nparams; i++) {
		p = &vs->s->params[i];
		if ((val = json_object_get(vs->v->effective, p->name)) == NULL)
			continue;
		for (j = 0; j < p->nchecks; j++) {
			c = &p->checks[j];
			if (!conds_hold(vs->v->effective, &c->when))
				continue;
			if (c->kind == CK_VALIDATOR)
				run_validator(vs, p, c, val);
			else if (c->kind == CK_UNIQUE) {
				if (json_is_array(val))
					check_unique(vs, p, c, val);
			} else if (c->kind == CK_NOT_IN)
				check_not_in(vs, p, c, val);
			else if (c->kind == CK_DISJOINT) {
				if (json_is_array(val))
					check_disjoint(vs, p, c, val);
			} else if (json_is_array(val)) {
				for (k = 0; k < json_array_size(val); k++)
					check_one(vs, p, c,
					    json_array_get(val, k));
			} else
				check_one(vs, p, c, val);
		}
	}
}

static void
check_required(struct vs *vs)
{
	const struct param	*p;
	size_t			 i;

	for (i = 0; i < vs->s->nparams; i++) {
		p = &vs->s->params[i];
		/* A value that failed its type check was reported already. */
		if (json_object_get(vs->v->effective, p->name) != NULL ||
		    vs->line[i] != 0)
			continue;
		if (p->required || (p->required_when.n > 0 &&
		    conds_hold(vs->v->effective, &p->required_when)))
			if (diags_add(&vs->v->errors, vs->file, 1, 1, p->name,
			    "Must set %s, no way to calculate value.",
			    p->name) == -1)
				vs->oom = 1;
	}
}

static void
check_rules(struct vs *vs)
{
	const struct rule	*r;
	size_t			 i, j;

	for (i = 0; i < vs->s->nrules; i++) {
		r = &vs->s->rules[i];
		if (!conds_hold(vs->v->effective, &r->when) ||
		    conds_hold(vs->v->effective, &r->require))
			continue;
		/* Either side may be the mistake: point at every key. */
		for (j = 0; j < r->when.n; j++)
			error_at(vs, r->when.v[j].key, "%s", r->message);
		for (j = 0; j < r->require.n; j++)
			error_at(vs, r->require.v[j].key, "%s", r->message);
	}
}

int
validate_config(const struct schema *s, const struct ynode *root,
    const char *file, const char *genconf_dir, struct validation *v)
{
	struct vs		 vs;
	const struct param	*p;
	char			*base;
	size_t			 i;
	int			 rc = -1;

	memset(v, 0, sizeof(*v));
	memset(&vs, 0, sizeof(vs));
	vs.s = s;
	vs.file = file;
	vs.genconf = genconf_dir;
	if ((vs.base = base = path_join(genconf_dir, "..")) == NULL)
		return -1;
	vs.v = v;
	if ((v->effective = json_object()) == NULL ||
	    (v->user = json_object()) == NULL ||
	    (vs.line = calloc(s->nparams + 1, sizeof(int))) == NULL ||
	    (vs.col = calloc(s->nparams + 1, sizeof(int))) == NULL ||
	    (vs.node = calloc(s->nparams + 1, sizeof(*vs.node))) == NULL ||
	    (vs.sets = calloc(s->nparams + 1, sizeof(*vs.sets))) == NULL)
		goto out;
	if (root != NULL && root->type != YNODE_MAP) {
		if (diags_add(&v->errors, file, root->line, root->col, NULL,
		    "the file must be a mapping of parameters (key: value), "
		    "not %s", ynode_describe(root)) == -1)
			goto out;
		rc = 0;
		goto out;
	}
	if (root != NULL)
		read_user(&vs, root);
	for (i = 0; i < s->nparams; i++) {
		p = &s->params[i];
		if (p->def != NULL && vs.line[i] == 0 &&
		    json_object_set(v->effective, p->name, p->def) == -1)
			goto out;
	}
	derive_all(&vs);
	check_required(&vs);
	run_checks(&vs);
	check_rules(&vs);
	if (!vs.oom)
		rc = 0;
out:
	free(base);
	free(vs.line);
	free(vs.col);
	free(vs.node);
	for (i = 0; vs.sets != NULL && i < s->nparams; i++)
		textset_free(&vs.sets[i]);
	free(vs.sets);
	return rc;
}
