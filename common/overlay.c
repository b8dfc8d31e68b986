/*
 * The overlay file's two slots (overlay.h).  Integers are little-endian.
 *
 *   0  magic "tfa-ovl1"    16  sequence (u64)
 *   8  generation (u64)    24  payload length (u64)
 *  32  FNV-1a 64 of bytes 0..31 and the payload
 *
 * The checksum finds torn writes; it is no defence against a writer, who
 * could as well rewrite the database (the file is the store owner's, 0600).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "overlay.h"

static const char magic[8] = { 't', 'f', 'a', '-', 'o', 'v', 'l', '1' };

static void
put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t
fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
	while (n-- > 0) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t
checksum(const uint8_t *slot, size_t len)
{
	return fnv1a(fnv1a(0xcbf29ce484222325ULL, slot, 32),
	    slot + TFA_OVL_HEADER, len);
}

void
tfa_ovl_seal(uint8_t *slot)
{
	uint64_t len = get64(slot + 24);

	if (len <= TFA_OVL_PAYLOAD)
		put64(slot + 32, checksum(slot, (size_t)len));
}

void
tfa_ovl_init(struct tfa_ovl *ovl, uint64_t gen)
{
	ovl->gen = gen;
	ovl->seq = 0;
	ovl->top = 0;
	ovl->latest = false;
	ovl->slot = -1;
	ovl->len = 0;
	memset(ovl->head, 0, sizeof(ovl->head));
}

bool
tfa_ovl_next(const char *payload, size_t len, size_t *pos, const char **key,
    const char **val)
{
	const char *k, *v, *end = payload + len;

	if (*pos >= len)
		return false;
	k = payload + *pos;
	v = k + strlen(k) + 1;
	*key = k;
	*val = v;
	*pos = (size_t)(v + strlen(v) + 1 - payload);
	return *pos <= (size_t)(end - payload);
}

/* Non-empty key and value, each NUL-terminated inside the payload. */
static bool
well_formed(const char *p, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		for (int part = 0; part < 2; part++) {
			const char *nul = memchr(p + i, '\0', len - i);

			if (nul == NULL || (n = (size_t)(nul - (p + i))) == 0)
				return false;
			i += n + 1;
		}
	}
	return true;
}

static tfa_err
pread_all(int fd, void *buf, size_t n, off_t off, size_t *got)
{
	ssize_t r;

	*got = 0;
	while (*got < n) {
		r = pread(fd, (char *)buf + *got, n - *got, off + (off_t)*got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return TFA_ERR_IO;
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	return TFA_OK;
}

/* A header that could be a slot's: its checksum is still to be checked. */
static bool
plausible(const uint8_t *s)
{
	return memcmp(s, magic, sizeof(magic)) == 0 && get64(s + 16) != 0 &&
	    get64(s + 24) <= TFA_OVL_PAYLOAD;
}

static bool
valid(const uint8_t *s)
{
	return plausible(s) && get64(s + 32) == checksum(s,
	    (size_t)get64(s + 24));
}

tfa_err
tfa_ovl_read(int fd, off_t size, uint64_t gen, struct tfa_ovl *ovl)
{
	uint8_t buf[TFA_OVL_FILE];
	const uint8_t *s[2] = { buf, buf + TFA_OVL_SLOT };
	size_t got;
	bool other = false;
	int a, i;
	tfa_err r = TFA_OK;

	tfa_ovl_init(ovl, gen);
	if (size != TFA_OVL_FILE || gen == 0)
		return TFA_OK;
	if (pread_all(fd, buf, sizeof(buf), 0, &got) != TFA_OK)
		return TFA_ERR_IO;
	if (got != TFA_OVL_FILE)	/* cut short since the fstat */
		goto out;
	memcpy(ovl->head[0], s[0], TFA_OVL_HEADER);
	memcpy(ovl->head[1], s[1], TFA_OVL_HEADER);
	/*
	 * Newest first: the first valid slot is the file's top, the first
	 * valid one of gen the newest of gen.  Mostly one checksum.
	 */
	a = plausible(s[1]) && (!plausible(s[0]) ||
	    get64(s[1] + 16) > get64(s[0] + 16)) ? 1 : 0;
	for (int k = 0; k < 2; k++) {
		i = k == 0 ? a : 1 - a;
		if (!valid(s[i]))
			continue;
		if (ovl->top == 0)
			ovl->top = get64(s[i] + 16);
		if (get64(s[i] + 8) != gen) {
			other = true;	/* at least as new as the other */
			continue;
		}
		ovl->seq = get64(s[i] + 16);
		ovl->slot = i;
		ovl->len = (size_t)get64(s[i] + 24);
		memcpy(ovl->payload, s[i] + TFA_OVL_HEADER, ovl->len);
		/* not when another valid slot is as new (equal numbers) */
		ovl->latest = !other && !(plausible(s[1 - i]) &&
		    get64(s[1 - i] + 16) == ovl->seq && valid(s[1 - i]));
		break;
	}
	if (ovl->slot >= 0 && !well_formed(ovl->payload, ovl->len))
		r = TFA_ERR_CORRUPT;
out:
	explicit_bzero(buf, sizeof(buf));
	return r;
}

bool
tfa_ovl_unchanged(int fd, const struct tfa_ovl *ovl)
{
	uint8_t buf[TFA_OVL_FILE];
	const uint8_t *o;
	size_t got;
	bool same;

	if (ovl->slot < 0 || ovl->len > TFA_OVL_PAYLOAD ||
	    pread_all(fd, buf, sizeof(buf), 0, &got) != TFA_OK ||
	    got != sizeof(buf))
		return false;
	same = memcmp(buf, ovl->head[0], TFA_OVL_HEADER) == 0 &&
	    memcmp(buf + TFA_OVL_SLOT, ovl->head[1], TFA_OVL_HEADER) == 0 &&
	    memcmp(buf + (size_t)ovl->slot * TFA_OVL_SLOT + TFA_OVL_HEADER,
	    ovl->payload, ovl->len) == 0;
	/*
	 * A write takes a number above the newest: the other slot can only
	 * have been written if it now is a valid slot that new.  (One torn
	 * by a crash can have the very header a later write gives it.)
	 */
	o = buf + (size_t)(1 - ovl->slot) * TFA_OVL_SLOT;
	if (same && plausible(o) && get64(o + 16) >= ovl->seq && valid(o))
		same = false;
	explicit_bzero(buf, sizeof(buf));
	return same;
}

tfa_err
tfa_ovl_prepare(int fd, bool *made)
{
	static const uint8_t zero[TFA_OVL_FILE];
	struct stat st;
	ssize_t n;

	*made = false;
	if (fstat(fd, &st) != 0)
		return TFA_ERR_IO;
	if (st.st_size == TFA_OVL_FILE)
		return TFA_OK;
	/* new, or cut short by a crash while being made: holds nothing */
	do {
		n = pwrite(fd, zero, sizeof(zero), 0);
	} while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(zero) || ftruncate(fd, TFA_OVL_FILE) != 0 ||
	    fsync(fd) != 0)
		return TFA_ERR_IO;
	*made = true;
	return TFA_OK;
}

/* Fill slot with the next slot of generation gen; sync: fdatasync it. */
static tfa_err
write_slot(int fd, struct tfa_ovl *ovl, int slot, uint64_t gen,
    const char *payload, size_t len, bool sync)
{
	uint8_t s[TFA_OVL_SLOT];
	uint64_t seq = ovl->top > ovl->seq ? ovl->top : ovl->seq;
	size_t n = TFA_OVL_HEADER + len;
	ssize_t w;
	tfa_err r = TFA_ERR_IO;

	if (seq == UINT64_MAX)		/* planted: no newer slot can be */
		return TFA_ERR_CORRUPT;
	seq++;
	memcpy(s, magic, sizeof(magic));
	put64(s + 8, gen);
	put64(s + 16, seq);
	put64(s + 24, len);
	memcpy(s + TFA_OVL_HEADER, payload, len);
	tfa_ovl_seal(s);
	do {
		w = pwrite(fd, s, n, (off_t)slot * TFA_OVL_SLOT);
	} while (w < 0 && errno == EINTR);
	/* the file's size and blocks are set: only the data needs syncing */
	if (w == (ssize_t)n && (!sync || fdatasync(fd) == 0)) {
		ovl->top = seq;
		memcpy(ovl->head[slot], s, TFA_OVL_HEADER);
		r = TFA_OK;
	} else if (w == (ssize_t)n) {
		/*
		 * Not on disk, yet every reader would see it: the change its
		 * caller reports failed (a right code refused) would count
		 * all the same.  Void it; the other slot is the newest again.
		 */
		memset(s, 0, TFA_OVL_HEADER);
		w = pwrite(fd, s, TFA_OVL_HEADER, (off_t)slot * TFA_OVL_SLOT);
	}
	explicit_bzero(s, sizeof(s));
	return r;
}

tfa_err
tfa_ovl_write(int fd, struct tfa_ovl *ovl, const char *payload, size_t len)
{
	int slot = ovl->slot == 0 ? 1 : 0;
	tfa_err r;

	if (len > TFA_OVL_PAYLOAD || ovl->gen == 0)
		return TFA_ERR_INVAL;
	if ((r = write_slot(fd, ovl, slot, ovl->gen, payload, len, true)) !=
	    TFA_OK)
		return r;
	ovl->seq = ovl->top;
	ovl->latest = true;
	ovl->slot = slot;
	ovl->len = len;
	memcpy(ovl->payload, payload, len);
	return TFA_OK;
}

tfa_err
tfa_ovl_mark(int fd, struct tfa_ovl *ovl, uint64_t gen, uint64_t *seq,
    int *slot)
{
	tfa_err r;

	*slot = ovl->slot == 0 ? 1 : 0;
	if (gen == 0 || gen == ovl->gen)
		return TFA_ERR_INVAL;
	if ((r = write_slot(fd, ovl, *slot, gen, "", 0, false)) != TFA_OK)
		return r;
	*seq = ovl->top;
	ovl->latest = false;
	return TFA_OK;
}

void
tfa_ovl_adopt(struct tfa_ovl *ovl, uint64_t gen, uint64_t seq, int slot)
{
	ovl->gen = gen;
	ovl->seq = seq;
	ovl->top = seq;
	ovl->latest = true;
	ovl->slot = slot;
	ovl->len = 0;
}
