/*
 * The overlay reader (common/overlay.c), fed whole files: the input, cut
 * or padded with zeros to TFA_OVL_FILE bytes.  When the input's first
 * byte is odd, both slots are sealed first (tfa_ovl_seal), so that the
 * payload parser, not only the checksum, is what the fuzzer meets.
 * Properties: a slot that is accepted parses into non-empty pairs that
 * fill its payload exactly, and the file reads as unchanged since when that
 * slot is the latest; writing
 * the same payload as the next slot makes that slot the newest and the
 * latest, in the other place, reading it back gives the same payload, and
 * the file no longer reads as unchanged since the first read; a mark for
 * another generation then leaves that slot the newest of its generation,
 * but no longer the latest.
 */
#include <endian.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "fuzz.h"
#include "overlay.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t file[TFA_OVL_FILE];
	static struct tfa_ovl ovl, again, first;
	const char *k, *v;
	size_t pos = 0, n;
	uint64_t gen, seq, mgen;
	int fd, slot;

	memset(file, 0, sizeof(file));
	memcpy(file, data, size < sizeof(file) ? size : sizeof(file));
	if (size > 0 && (data[0] & 1)) {
		tfa_ovl_seal(file);
		tfa_ovl_seal(file + TFA_OVL_SLOT);
	}
	memcpy(&gen, file + 8, sizeof(gen));	/* the slot's generation */
	gen = le64toh(gen);
	if ((fd = memfd_create("overlay", MFD_CLOEXEC)) < 0 ||
	    write(fd, file, sizeof(file)) != (ssize_t)sizeof(file))
		abort();
	if (tfa_ovl_read(fd, TFA_OVL_FILE, gen, &ovl) == TFA_OK &&
	    ovl.slot >= 0) {
		FUZZ_ASSERT(gen != 0 && ovl.seq != 0 &&
		    ovl.len <= TFA_OVL_PAYLOAD);
		for (n = 0; tfa_ovl_next(ovl.payload, ovl.len, &pos, &k, &v);
		    n++)
			FUZZ_ASSERT(*k != '\0' && *v != '\0');
		FUZZ_ASSERT(pos == ovl.len);
		FUZZ_ASSERT(tfa_ovl_unchanged(fd, &ovl) == ovl.latest);
		slot = ovl.slot;
		first = ovl;
		if (ovl.seq < UINT64_MAX && ovl.top < UINT64_MAX) {
			FUZZ_ASSERT(tfa_ovl_write(fd, &ovl, ovl.payload,
			    ovl.len) == TFA_OK);
			FUZZ_ASSERT(ovl.slot == 1 - slot);
			FUZZ_ASSERT(tfa_ovl_read(fd, TFA_OVL_FILE, gen,
			    &again) == TFA_OK);
			FUZZ_ASSERT(again.slot == ovl.slot &&
			    again.seq == ovl.seq && again.len == ovl.len &&
			    again.latest &&
			    memcmp(again.payload, ovl.payload, ovl.len) == 0);
			FUZZ_ASSERT(!tfa_ovl_unchanged(fd, &first));
			if (again.seq < UINT64_MAX) {
				mgen = gen + 1 != 0 ? gen + 1 : 1;
				FUZZ_ASSERT(tfa_ovl_mark(fd, &again, mgen,
				    &seq, &slot) == TFA_OK &&
				    slot == 1 - again.slot);
				FUZZ_ASSERT(tfa_ovl_read(fd, TFA_OVL_FILE, gen,
				    &first) == TFA_OK);
				FUZZ_ASSERT(first.slot == again.slot &&
				    first.seq == again.seq && !first.latest &&
				    first.top == seq);
			}
		} else {
			FUZZ_ASSERT(tfa_ovl_write(fd, &ovl, ovl.payload,
			    ovl.len) == TFA_ERR_CORRUPT);
		}
	}
	close(fd);
	return 0;
}
