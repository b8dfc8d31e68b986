# pam_tfa — build, test and install.
#
# Works straight from a clone: `make`, `make check`, `make demo`.
# `./configure` (from configure.ac) writes config.mk to change the install
# paths and flags below; nothing else depends on it.

-include config.mk

prefix		?= /usr/local
bindir		?= $(prefix)/bin
mandir		?= $(prefix)/share/man
pammoddir	?= $(shell pkg-config --variable=libdir pam 2>/dev/null || echo /lib)/security
# where the module and tfa-enroll look by default; not moved by --prefix
sysconfdir	?= /etc
storedir	?= /var/lib/tfa
confpath	 = $(sysconfdir)/security/pam_tfa.conf

CC		?= cc
BUILD		?= build
PKGS		 = pam liboath libqrencode libfido2 libcrypto

WARN		 = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
		   -Wmissing-prototypes -Wpointer-arith -Wformat=2
HARDEN		 = -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIC
OPT		?= -O2 -g
ifeq ($(SANITIZE),1)
BUILD		 = build-asan
OPT		 = -O1 -g -fno-omit-frame-pointer
SAN		 = -fsanitize=address,undefined -fno-sanitize-recover=all
HARDEN		 = -fstack-protector-strong -fPIC
endif
PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null)
PATHS		 = -DTFA_CONFIG_FILE='"$(confpath)"' -DTFA_STORE_DIR='"$(storedir)"'
ALL_CFLAGS	 = -std=gnu11 -D_GNU_SOURCE $(OPT) $(WARN) $(HARDEN) $(SAN) \
		   -Icommon $(PATHS) $(PKG_CFLAGS) $(CFLAGS)
RELRO		 = -Wl,-z,relro,-z,now
LIBS		 = $(PKG_LIBS) -lgdbm

COMMON_SRC	:= $(sort $(wildcard common/*.c))
ENROLL_SRC	:= $(sort $(wildcard enroll/*.c))
PAM_SRC		:= $(sort $(wildcard pam/*.c))
PAM_OBJ		 = $(PAM_SRC:%.c=$(BUILD)/%.o)
COMMON_OBJ	 = $(COMMON_SRC:%.c=$(BUILD)/%.o)
ENROLL_OBJ	 = $(ENROLL_SRC:%.c=$(BUILD)/%.o)
LIBTFA		 = $(BUILD)/libtfa.a
MODULE		 = $(BUILD)/pam_tfa.so
ENROLL		 = $(BUILD)/tfa-enroll

UNIT_SRC	:= $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN	 = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
PAMTEST_SRC	:= $(sort $(wildcard tests/pam/test_*.c))
PAMTEST_BIN	 = $(PAMTEST_SRC:tests/pam/%.c=$(BUILD)/tests/%)
TESTLIB_SRC	:= $(sort $(wildcard tests/lib/*.c))
TESTLIB_OBJ	 = $(TESTLIB_SRC:%.c=$(BUILD)/%.o)
TOOLS		 = $(BUILD)/tests/pam-login $(BUILD)/tests/pam_settok.so
# FIDO2 tests: a scripted fake authenticator behind libfido2's hooks
FIDOTEST_SRC	:= $(sort $(wildcard tests/fido/test_*.c))
FIDOTEST_BIN	 = $(FIDOTEST_SRC:tests/fido/%.c=$(BUILD)/tests/%)
FAKE_SRC	:= $(filter-out tests/fido/test_% tests/fido/preload.c,$(sort \
		   $(wildcard tests/fido/*.c)))
FAKE_OBJ	 = $(FAKE_SRC:%.c=$(BUILD)/%.o)

MANPAGES	 = man/pam_tfa.8 man/tfa-enroll.1 man/pam_tfa.conf.5

.PHONY: all deps test-deps tests-build check check-asan demo install \
	uninstall clean \
	manlint

all: $(MODULE) $(ENROLL)

# keep intermediate objects (tests/lib) between runs
.SECONDARY:

deps:
	@sh scripts/deps.sh build

test-deps:
	@sh scripts/deps.sh build test

$(BUILD)/%.o: %.c $(wildcard common/*.h pam/*.h enroll/*.h tests/lib/*.h \
	    tests/fido/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBTFA): $(COMMON_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

# The module exports pam_sm_* and nothing else (pam/pam_tfa.map).
$(MODULE): $(PAM_OBJ) $(LIBTFA) pam/pam_tfa.map
	$(CC) $(ALL_CFLAGS) -shared -Wl,--version-script=pam/pam_tfa.map \
	    -Wl,--no-undefined -Wl,-z,nodelete $(RELRO) $(LDFLAGS) -o $@ \
	    $(PAM_OBJ) $(LIBTFA) $(LIBS)

$(ENROLL): $(ENROLL_OBJ) $(LIBTFA)
	$(CC) $(ALL_CFLAGS) -pie $(RELRO) $(LDFLAGS) -o $@ $(ENROLL_OBJ) \
	    $(LIBTFA) $(LIBS)

# Test programs export their symbols, so the time() they define is the one
# the module (loaded by libpam) calls.
# test_ops, test_ops_mail and test_privsep include enroll/*.c themselves
$(BUILD)/tests/%: tests/unit/%.c $(TESTLIB_OBJ) $(LIBTFA) $(ENROLL_SRC) \
	    $(wildcard enroll/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/lib -rdynamic -o $@ $< $(TESTLIB_OBJ) \
	    $(LIBTFA) $(LIBS)

$(BUILD)/tests/%: tests/pam/%.c $(TESTLIB_OBJ) $(LIBTFA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/lib -rdynamic -o $@ $< $(TESTLIB_OBJ) \
	    $(LIBTFA) $(LIBS)

$(BUILD)/tests/%: tests/fido/%.c $(FAKE_OBJ) $(TESTLIB_OBJ) $(LIBTFA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/lib -Itests/fido -rdynamic -o $@ $< \
	    $(FAKE_OBJ) $(TESTLIB_OBJ) $(LIBTFA) $(LIBS)

$(BUILD)/tests/fake_preload.so: tests/fido/preload.c $(FAKE_SRC) tests/fido/fake.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/fido -shared -o $@ tests/fido/preload.c \
	    $(FAKE_SRC) -lfido2 -lcrypto

# tfa-enroll with the fake authenticator linked in, for the set-uid test
# (tests/enroll/test_selfservice_key.sh): the loader ignores LD_PRELOAD for
# a set-uid program, so preload.c's fido_dev_info_manifest is linked into
# this test-only copy instead.  The shipped tfa-enroll has no such hook.
$(BUILD)/tests/tfa-enroll-fidotest: $(ENROLL_OBJ) $(LIBTFA) \
	    tests/fido/preload.c $(FAKE_SRC) tests/fido/fake.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/fido -pie $(RELRO) $(LDFLAGS) -o $@ \
	    tests/fido/preload.c $(FAKE_SRC) $(ENROLL_OBJ) $(LIBTFA) $(LIBS)

$(BUILD)/tests/pam-login: tests/tools/pam-login.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< -lpam

$(BUILD)/tests/pam_settok.so: tests/tools/pam_settok.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -shared -o $@ $< -lpam

tests-build: all $(UNIT_BIN) $(PAMTEST_BIN) $(FIDOTEST_BIN) $(TOOLS) \
	    $(BUILD)/tests/fake_preload.so

check: test-deps
	@$(MAKE) --no-print-directory tests-build
	@BUILD=$(BUILD) sh tests/run.sh

check-asan:
	@$(MAKE) --no-print-directory check SANITIZE=1

manlint:
	mandoc -T lint -W warning $(MANPAGES)

demo: deps
	@$(MAKE) --no-print-directory all $(TOOLS)
	@BUILD=$(BUILD) sh scripts/demo.sh

# tfa-enroll is installed set-uid root, so that users can enroll into the
# root-owned store: it forks a small root monitor and runs everything else
# with all privileges dropped (tfa-enroll(1), SET-UID OPERATION).
# `make install SETUID=no` installs it 0755: then only root can enroll.
SETUID		?= yes
ENROLL_MODE	 = $(if $(filter no,$(SETUID)),0755,4755)

# The daily cleanup (tfa-enroll cleanup): the systemd units go where
# systemd looks for them under the prefix, the cron file beside the docs
# for the admin to copy; both name the installed tfa-enroll, $(bindir).
systemdunitdir	?= $(prefix)/lib/systemd/system
exampledir	?= $(prefix)/share/doc/pam_tfa/examples
CLEANUP_SUBST	 = sed 's|/usr/local/bin/tfa-enroll|$(bindir)/tfa-enroll|'

install: all
	install -d $(DESTDIR)$(pammoddir) $(DESTDIR)$(bindir) \
	    $(DESTDIR)$(mandir)/man1 $(DESTDIR)$(mandir)/man5 \
	    $(DESTDIR)$(mandir)/man8 $(DESTDIR)$(systemdunitdir) \
	    $(DESTDIR)$(exampledir)
	install -m 0644 $(MODULE) $(DESTDIR)$(pammoddir)/pam_tfa.so
	install -m $(ENROLL_MODE) $(ENROLL) $(DESTDIR)$(bindir)/tfa-enroll
	install -m 0644 man/tfa-enroll.1 $(DESTDIR)$(mandir)/man1/
	install -m 0644 man/pam_tfa.conf.5 $(DESTDIR)$(mandir)/man5/
	install -m 0644 man/pam_tfa.8 $(DESTDIR)$(mandir)/man8/
	install -d -m 0700 $(DESTDIR)$(storedir)
	install -d $(DESTDIR)$(sysconfdir)/security
	test -e $(DESTDIR)$(confpath) || \
	    install -m 0644 contrib/pam_tfa.conf $(DESTDIR)$(confpath)
	$(CLEANUP_SUBST) contrib/tfa-cleanup.service \
	    > $(DESTDIR)$(systemdunitdir)/tfa-cleanup.service
	chmod 0644 $(DESTDIR)$(systemdunitdir)/tfa-cleanup.service
	install -m 0644 contrib/tfa-cleanup.timer $(DESTDIR)$(systemdunitdir)/
	$(CLEANUP_SUBST) contrib/tfa-cleanup.cron \
	    > $(DESTDIR)$(exampledir)/tfa-cleanup.cron
	chmod 0644 $(DESTDIR)$(exampledir)/tfa-cleanup.cron

uninstall:
	rm -f $(DESTDIR)$(pammoddir)/pam_tfa.so $(DESTDIR)$(bindir)/tfa-enroll \
	    $(DESTDIR)$(mandir)/man1/tfa-enroll.1 \
	    $(DESTDIR)$(mandir)/man5/pam_tfa.conf.5 \
	    $(DESTDIR)$(mandir)/man8/pam_tfa.8 \
	    $(DESTDIR)$(systemdunitdir)/tfa-cleanup.service \
	    $(DESTDIR)$(systemdunitdir)/tfa-cleanup.timer \
	    $(DESTDIR)$(exampledir)/tfa-cleanup.cron

clean:
	rm -rf build build-asan

-include tests/bench/bench.mk
-include tests/stress.mk
-include tests/import/import.mk
-include tests/e2e/e2e.mk
