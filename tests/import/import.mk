# tfa-enroll import (issue 8), included from the top-level Makefile: the
# parser and apply tests and the PAM logins with imported factors.  The
# shell test tests/import/test_import.sh is run by tests/run.sh like every
# tests/*/test_*.sh.

IMPORT_TEST_SRC	:= $(sort $(wildcard tests/import/test_*.c))
IMPORT_TEST_BIN	 = $(IMPORT_TEST_SRC:tests/import/%.c=$(BUILD)/tests/%)

# -rdynamic: the module, loaded by libpam, binds to the time() and
# PKCS5_PBKDF2_HMAC() the test programs define.
$(BUILD)/tests/%: tests/import/%.c $(TESTLIB_OBJ) $(LIBTFA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/lib -rdynamic -o $@ $< $(TESTLIB_OBJ) \
	    $(LIBTFA) $(LIBS)

tests-build: $(IMPORT_TEST_BIN)
