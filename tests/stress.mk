# Reliability and security tests (issue 6), included from the top-level
# Makefile.  Short versions run in `make check`; long ones in `make stress`.
#
#   make check                  # races (8 x 20 rounds), 60 kills, power
#                               # cuts (8 random mixes a point), full and
#                               # read-only disks, fs attacks, hostile input,
#                               # secrets, valgrind, fuzzers (32 CPU-s)
#   make stress                 # the whole suite with TFA_RACE_N=16 x 200
#                               # rounds, 400 kills, 100 mixes, every fuzzer
#                               # STRESS_FUZZ_SECONDS, valgrind on more;
#                               # then the figures (docs/SECURITY.md)
#   make fuzz FUZZ_SECONDS=60   # only the libFuzzer harnesses (clang)
#
# Test programs in tests/{race,crash,fs,fuzz}/test_*.c drive the real module
# through libpam like tests/pam/test_pam.c and link tests/race/pamfx.c; the
# scripts there (test_*.sh) are found by tests/run.sh itself.

STRESS_SRC	:= $(sort $(wildcard tests/race/test_*.c tests/crash/test_*.c \
		   tests/fs/test_*.c tests/fuzz/test_*.c))
STRESS_BIN	 = $(addprefix $(BUILD)/tests/,$(notdir $(STRESS_SRC:.c=)))
PAMFX_OBJ	 = $(BUILD)/tests/race/pamfx.o
STRESS_DEPS	 = $(PAMFX_OBJ) $(TESTLIB_OBJ) $(LIBTFA) tests/race/pamfx.h $(MODULE)

$(PAMFX_OBJ): ALL_CFLAGS += -Itests/lib
$(PAMFX_OBJ): tests/race/pamfx.h

# -rdynamic: the module, loaded by libpam, binds to our time() and
# pam_syslog().  Same recipe as the PAM-level tests in the Makefile.
STRESS_LINK	 = @mkdir -p $(dir $@); \
		   echo "CC $@"; \
		   $(CC) $(ALL_CFLAGS) -Itests/lib -Itests/race -rdynamic -o $@ \
		   $< $(PAMFX_OBJ) $(TESTLIB_OBJ) $(LIBTFA) $(LIBS)

$(BUILD)/tests/%: tests/race/%.c $(STRESS_DEPS)
	$(STRESS_LINK)
$(BUILD)/tests/%: tests/crash/%.c $(STRESS_DEPS)
	$(STRESS_LINK)
$(BUILD)/tests/%: tests/fs/%.c $(STRESS_DEPS)
	$(STRESS_LINK)
$(BUILD)/tests/%: tests/fuzz/%.c $(STRESS_DEPS)
	$(STRESS_LINK)

# The syslog shim tests/fuzz/test_secrets.c preloads into tfa-enroll.
SYSLOG_SHIM	 = $(BUILD)/tests/syslog_capture.so
$(SYSLOG_SHIM): tests/fuzz/syslog_capture.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -shared -o $@ $< -ldl

tests-build: $(STRESS_BIN) $(SYSLOG_SHIM)

# ---- fuzzing ----------------------------------------------------------------
#
# The harnesses are built with clang and libFuzzer from the common/*.c
# sources (not from libtfa.a, which gcc built without coverage), into
# $(BUILD)/fuzz/.  A harness is tests/fuzz/fuzz_NAME.c and its seeds are
# tests/fuzz/corpus/NAME/; a new one is picked up by name, nothing to add
# here.  Without clang, each harness is still built with $(CC) as a replayer
# of its corpus (tests/fuzz/replay.c), so the seeds run everywhere.

FUZZ_CC		?= clang
FUZZ_SECONDS	?= 60
STRESS_FUZZ_SECONDS ?= 60
FUZZ_DIR	 = $(BUILD)/fuzz
FUZZ_SRC	:= $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES	 = $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
FUZZ_BIN	 = $(FUZZ_NAMES:%=$(FUZZ_DIR)/fuzz_%)
REPLAY_BIN	 = $(FUZZ_NAMES:%=$(FUZZ_DIR)/replay_%)
FUZZ_SAN	 = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS	 = -std=gnu11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
		   -Icommon $(PATHS) $(PKG_CFLAGS)
FUZZ_OBJ	 = $(COMMON_SRC:%.c=$(FUZZ_DIR)/%.o)
FUZZ_LIB	 = $(FUZZ_DIR)/libtfa-fuzz.a

$(FUZZ_DIR)/%.o: %.c $(wildcard common/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) \
	    -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< \
	    $(FUZZ_LIB) $(LIBS)

$(FUZZ_DIR)/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz.h \
    $(LIBTFA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< tests/fuzz/replay.c $(LIBTFA) $(LIBS)

.PHONY: fuzz fuzz-build fuzz-replay-build stress

fuzz-replay-build: $(REPLAY_BIN)

fuzz-build: $(FUZZ_BIN)

fuzz:
	@$(MAKE) --no-print-directory fuzz-build
	@BUILD=$(BUILD) TOP=$$(pwd) FUZZ_SECONDS=$(FUZZ_SECONDS) \
	    sh tests/fuzz/test_fuzz.sh

# The whole suite with the long settings, then the figures that matter.
stress: test-deps
	@$(MAKE) --no-print-directory tests-build
	@TFA_RACE_N=16 TFA_RACE_ROUNDS=200 TFA_CRASH_KILLS=400 TFA_STRESS=1 \
	    TFA_POWERLOSS_TRIALS=100 FUZZ_SECONDS=$(STRESS_FUZZ_SECONDS) BUILD=$(BUILD) \
	    sh tests/run.sh; rc=$$?; \
	echo "---- stress figures ----"; \
	grep -h -E '^(# [a-z-]+: [0-9]+ of [0-9]+ rounds bad|logins|double-accepts|lockout miscounts|crash |corrupt records|unwritable store|fs attacks|hostile input|fuzz |valgrind |(not )?ok - .*power cuts)' \
	    $(BUILD)/tests/logs/*.log; \
	exit $$rc
