# The login benchmark (issue 7), included from the top-level Makefile.
#   make bench                    # BENCH_ITER=N logins per case (2000)
#   make BUILD=build-bench bench  # in a build directory of its own
#   BENCH_TFA_B=OTHER/pam_tfa.so make bench  # and another build, in turn
# Results: a table on stdout and $(BUILD)/bench/results.csv.

BENCH_SRC	:= $(sort $(wildcard tests/bench/*.c))
BENCH_OBJ	 = $(BENCH_SRC:%.c=$(BUILD)/%.o)
BENCH_BIN	 = $(BUILD)/tests/tfa-bench

.PHONY: bench bench-deps

bench-deps:
	@sh scripts/deps.sh build
	@sh scripts/bench.sh deps

$(BENCH_OBJ): tests/bench/bench.h
$(BUILD)/tests/bench/bench.o: ALL_CFLAGS += -DBENCH_PAMDIR='"$(pammoddir)"'

# -rdynamic: the harness's time() is the one the modules bind to.
$(BENCH_BIN): $(BENCH_OBJ) $(LIBTFA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -rdynamic -o $@ $(BENCH_OBJ) $(LIBTFA) $(LIBS)

bench: bench-deps
	@$(MAKE) --no-print-directory $(MODULE) $(BENCH_BIN)
	@BUILD=$(BUILD) sh scripts/bench.sh run $(BENCH_BIN) $(MODULE) \
	    $(BUILD)/bench

# tests/bench/test_bench.sh runs the harness in miniature in `make check`.
tests-build: $(BENCH_BIN)
