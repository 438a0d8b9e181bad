# kt_fdw: build, install and test the extension.
# PG_CONFIG picks the PostgreSQL (15 to 18) to build for, install into and test
# against; `bash test/pgbuild.sh 18` builds one from source and prints its pg_config.
PG_CONFIG ?= pg_config
GO ?= go

EXTENSION := kt_fdw
EXTVERSION := 0.4.0
MODULE := kt_fdw.so

# pg_config_path NAME: `$(PG_CONFIG) --NAME`, or stop the build saying what to
# install or set. Expanded only when a recipe needs it, so `make deps` (which
# installs PostgreSQL) and `make clean` work without pg_config.
pg_config_path = $(or $(shell $(PG_CONFIG) --$(1) 2>/dev/null),$(error "$(PG_CONFIG) --$(1)" failed: \
	install PostgreSQL's server development files (postgresql-server-dev-NN on Debian) \
	or name the pg_config to build for: make PG_CONFIG=/usr/lib/postgresql/NN/bin/pg_config))
PG_INCLUDEDIR_SERVER = $(call pg_config_path,includedir-server)
PG_PKGLIBDIR = $(call pg_config_path,pkglibdir)
PG_SHAREDIR = $(call pg_config_path,sharedir)
PG_BINDIR = $(call pg_config_path,bindir)
PG_VERSION = $(call pg_config_path,version)

# The C glue is compiled by cgo with the server headers and Postgres' own
# code-generation flags. Postgres symbols resolve when the backend loads the
# library; only the symbols Postgres looks up are exported. Async preemption
# is off so SIGURG (Postgres' latch wakeup) stays blockable for Go threads.
EXT_CFLAGS = -I$(PG_INCLUDEDIR_SERVER) -O2 -fno-strict-aliasing -fwrapv -fexcess-precision=standard
EXT_LDFLAGS := -Wl,--unresolved-symbols=ignore-all
# exportsMapHash: Go's build cache ignores the version script's contents, so
# its hash goes into the ldflags (part of the cache key): an edit relinks.
EXPORTS_MAP_HASH = $(shell sha256sum pgext/exports.map | cut -c1-16)
GO_LDFLAGS = -X runtime.godebugDefault=asyncpreemptoff=1 \
	-X main.exportsMapHash=$(EXPORTS_MAP_HASH) \
	-extldflags '-Wl,--version-script=$(CURDIR)/pgext/exports.map'
# A release tree (`make dist`) carries its Go modules in vendor/: build from
# them, never from the network or the module cache.
ifneq ($(wildcard vendor/modules.txt),)
ifeq ($(findstring -mod=,$(GOFLAGS)),)
export GOFLAGS += -mod=vendor
endif
endif
GO_SOURCES := $(shell find pgext fdw kt -name '*.go' -o -name '*.c' -o -name '*.h' 2>/dev/null)

.PHONY: pg-config-check FORCE check-warnings test-matrix all deps install installcheck unit e2e test clean demo bench bench-sync test-sync-long vet check-symbols soak model

all: $(MODULE)

deps:
	bash test/deps.sh

# kt_fdw.so is built for one PostgreSQL at a time: this stamp holds the
# version and headers of the last build and changes when PG_CONFIG points at
# another, which rebuilds kt_fdw.so, so a library built for another major is
# never installed (Go's build cache keeps switching back quick).
PG_STAMP := build/pg_config.stamp
$(PG_STAMP): FORCE | pg-config-check
	@mkdir -p $(dir $@)
	@want='$(PG_VERSION) $(PG_INCLUDEDIR_SERVER)'; \
	if [ "$$(cat $@ 2>/dev/null)" != "$$want" ]; then echo "$$want" >$@; echo "building for $$want"; fi
FORCE:

# Checked on every build and install, even when kt_fdw.so is up to date.
pg-config-check:
	@test -f "$(PG_INCLUDEDIR_SERVER)/postgres.h" || { echo "kt_fdw: no postgres.h in $(PG_INCLUDEDIR_SERVER)" \
		"($(PG_CONFIG) --includedir-server): install postgresql-server-dev-NN for this PostgreSQL" >&2; exit 1; }

$(MODULE): $(GO_SOURCES) pgext/exports.map go.mod go.sum $(PG_STAMP) | pg-config-check
	CGO_ENABLED=1 CGO_CFLAGS="$(EXT_CFLAGS)" CGO_LDFLAGS="$(EXT_LDFLAGS)" \
		$(GO) build -buildmode=c-shared -tags ktfdw_ext -trimpath \
		-ldflags "$(GO_LDFLAGS)" -o $@ ./pgext
	mkdir -p build/cgo && mv $(basename $@).h build/cgo/_cgo_export.h

# The installed library is stripped, as distribution packages are; its debug
# info stays in the build tree as kt_fdw.so.debug (the library names it in
# .gnu_debuglink: `gdb -ex 'symbol-file kt_fdw.so.debug'`, or copy it to
# /usr/lib/debug/.build-id/ as `readelf -n` shows).
$(MODULE).stripped: $(MODULE)
	objcopy --only-keep-debug $(MODULE) $(MODULE).debug
	objcopy --strip-unneeded --remove-section=.comment --add-gnu-debuglink=$(MODULE).debug $(MODULE) $@

# The ktfdw command (demo, reconcile, sync, bench), installed beside psql in
# `pg_config --bindir`: position-independent (as Debian builds programs),
# -s -w: no symbol table or DWARF, like the library.
CLI := ktfdw
CLI_SOURCES := $(shell find cmd/ktfdw kt fdw test/pgcluster -name '*.go' -not -name '*_test.go' 2>/dev/null)
$(CLI): $(CLI_SOURCES) go.mod go.sum
	$(GO) build -buildmode=pie -trimpath -ldflags '-s -w' -o $@ ./cmd/ktfdw

install: $(MODULE).stripped $(CLI) | pg-config-check
	install -d $(DESTDIR)$(PG_PKGLIBDIR) $(DESTDIR)$(PG_SHAREDIR)/extension $(DESTDIR)$(PG_BINDIR)
	install -m 755 $(MODULE).stripped $(DESTDIR)$(PG_PKGLIBDIR)/$(MODULE)
	install -m 644 $(EXTENSION).control sql/$(EXTENSION)--*.sql $(DESTDIR)$(PG_SHAREDIR)/extension/
	install -m 644 sql/kt_fdw.lua $(DESTDIR)$(PG_SHAREDIR)/extension/  # for ktserver -scr (apply 'atomic')
	install -m 755 $(CLI) $(DESTDIR)$(PG_BINDIR)/$(CLI)

# Release artifacts. dist: kt_fdw-<version>.tar.gz, the tree at HEAD with its
# Go modules in vendor/, which builds without network. deb: the Debian
# package postgresql-<major>-kt-fdw_<version>_<arch>.deb for the PostgreSQL
# PG_CONFIG names (packaging/deb.sh).
DIST := kt_fdw-$(EXTVERSION)
.PHONY: dist deb
dist:
	@git diff --quiet HEAD || echo "dist: uncommitted changes are left out (the tarball is HEAD)" >&2
	rm -rf $(DIST).stage && mkdir $(DIST).stage
	git archive --prefix=$(DIST)/ HEAD | tar -x -C $(DIST).stage
	cd $(DIST).stage/$(DIST) && GOFLAGS=-mod=mod $(GO) mod vendor
	tar -C $(DIST).stage --sort=name --owner=0 --group=0 --numeric-owner \
		--mtime=@$$(git log -1 --format=%ct) -czf $(DIST).tar.gz $(DIST)
	rm -rf $(DIST).stage
	@echo "dist: $(DIST).tar.gz"

deb: $(MODULE).stripped $(CLI) | pg-config-check
	PG_CONFIG=$(PG_CONFIG) bash packaging/deb.sh $(EXTVERSION) $(MODULE).stripped $(CLI)

installcheck:
	bash test/regress.sh

# kt_fdw.so must export exactly the symbols of pgext/exports.map (doc/design.md, rule 8)
EXPORTED := Pg_magic_func _PG_init kt_fdw_handler kt_fdw_stats kt_fdw_validator kt_fdw_version \
	pg_finfo_kt_fdw_handler pg_finfo_kt_fdw_stats pg_finfo_kt_fdw_validator pg_finfo_kt_fdw_version \
	kt_fdw_disconnect kt_fdw_disconnect_all kt_fdw_server_stats \
	pg_finfo_kt_fdw_disconnect pg_finfo_kt_fdw_disconnect_all pg_finfo_kt_fdw_server_stats \
	kt_fdw_sync pg_finfo_kt_fdw_sync kt_fdw_diag pg_finfo_kt_fdw_diag
check-symbols: $(MODULE)
	@got=$$(nm -D --defined-only $(MODULE) | awk '{print $$3}' | sort | tr '\n' ' '); \
	want=$$(echo $(EXPORTED) | tr ' ' '\n' | sort | tr '\n' ' '); \
	if [ "$$got" != "$$want" ]; then echo "check-symbols: exported: $$got; want: $$want" >&2; exit 1; fi; \
	echo "check-symbols: ok"

# The C glue compiled with this PostgreSQL's own flags (pg_config --cflags,
# as PGXS would) and -Werror: an API change of a new major is an error here,
# not a warning cgo hides.
check-warnings: $(MODULE)
	@for f in pgext/*.c; do \
		$(CC) -fsyntax-only $(shell $(PG_CONFIG) --cflags) -Werror -Ipgext -Ibuild/cgo \
			-I$(PG_INCLUDEDIR_SERVER) $$f || exit 1; \
	done; echo "check-warnings: ok ($(PG_VERSION))"

# cmd/ktfdw's tests need the installed extension (they skip without it)
unit:
	$(GO) test -timeout 20m ./kt/... ./fdw/... ./cmd/...

e2e:
	KT_FDW_REQUIRE_INSTALLED=1 $(GO) test -timeout 20m ./test/...

# bounded soak: 8 pgbench clients, 3 KT restarts, then KT == Postgres, no
# crash, no memory growth; `make test` runs it for 30 s as part of e2e
SOAK_DURATION ?= 5m
soak: install
	$(GO) test ./test/soak -run Soak -count=1 -v -timeout 30m -soak-duration=$(SOAK_DURATION)

# the randomized model test (test/e2e/model_test.go) with random seeds;
# `make test` runs it with one fixed seed. KT_FDW_MODEL_SEED=n starts at n.
MODEL_RUNS ?= 20
MODEL_STEPS ?= 1000
model: install
	KT_FDW_MODEL_SEED=$${KT_FDW_MODEL_SEED:-random} KT_FDW_MODEL_RUNS=$(MODEL_RUNS) KT_FDW_MODEL_STEPS=$(MODEL_STEPS) \
		KT_FDW_REQUIRE_INSTALLED=1 $(GO) test ./test/e2e -run '^TestModel$$' -count=1 -v -timeout 120m

# the README's one test command
test: deps install check-symbols check-warnings unit installcheck e2e

# the suite on every supported major (builds the missing ones from
# ../shared/postgres-src first); prints major | build | pg_regress | e2e | soak
test-matrix:
	bash test/matrix.sh

# vet the cgo layer with the flags it is built with
vet:
	$(GO) vet ./fdw/...
	CGO_CFLAGS="$(EXT_CFLAGS)" CGO_LDFLAGS="$(EXT_LDFLAGS)" $(GO) vet -tags ktfdw_ext ./pgext

demo: deps install
	$(GO) run ./cmd/ktfdw demo

# `ktfdw bench`'s table of doc/performance.md (BENCH_ROWS, BENCH_RUNS,
# BENCH_PGBENCH_TIME, BENCH_IN_QUERIES, BENCH_SYNC_ROWS size it), then the
# KT client's and dev server's Go benchmarks
bench: deps install
	$(GO) run ./cmd/ktfdw bench
	$(GO) test -run '^$$' -bench . -benchmem ./kt/ ./kt/ktdev/

# ktfdw sync (doc/performance.md): apply rate by -batch, against raw binary
# set_bulk, lag p50/p99 and the writers' rate with and without it; CPU-heavy
# ktfdw sync's crash test with 10 s phases (make test runs 1.5 s phases)
test-sync-long: deps install
	KT_FDW_SYNC_PHASE=10s KT_FDW_REQUIRE_INSTALLED=1 $(GO) test ./test/e2e -run '^TestSyncCrashRecovery$$' -count=1 -v -timeout 20m

bench-sync: deps install
	KT_FDW_SYNC_BENCH=1 KT_FDW_REQUIRE_INSTALLED=1 $(GO) test ./test/e2e -run '^TestSyncBench$$' -count=1 -v -timeout 20m

clean:
	rm -f $(MODULE) $(basename $(MODULE)).h $(MODULE).stripped $(MODULE).debug $(CLI)
	rm -rf $(DIST).stage $(DIST).tar.gz postgresql-*-kt-fdw_*.deb build
