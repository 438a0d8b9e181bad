# kt_fdw: build, install and test the extension.
PG_CONFIG ?= pg_config
GO ?= go

EXTENSION := kt_fdw
EXTVERSION := 0.3.0
MODULE := kt_fdw.so

PG_INCLUDEDIR_SERVER := $(shell $(PG_CONFIG) --includedir-server)
PG_PKGLIBDIR := $(shell $(PG_CONFIG) --pkglibdir)
PG_SHAREDIR := $(shell $(PG_CONFIG) --sharedir)

# The C glue is compiled by cgo with the server headers and Postgres' own
# code-generation flags. Postgres symbols resolve when the backend loads the
# library; only the symbols Postgres looks up are exported. Async preemption
# is off so SIGURG (Postgres' latch wakeup) stays blockable for Go threads.
EXT_CFLAGS := -I$(PG_INCLUDEDIR_SERVER) -O2 -fno-strict-aliasing -fwrapv -fexcess-precision=standard
EXT_LDFLAGS := -Wl,--unresolved-symbols=ignore-all
# exportsMapHash: Go's build cache ignores the version script's contents, so
# its hash goes into the ldflags (part of the cache key): an edit relinks.
EXPORTS_MAP_HASH = $(shell sha256sum pgext/exports.map | cut -c1-16)
GO_LDFLAGS = -X runtime.godebugDefault=asyncpreemptoff=1 \
	-X main.exportsMapHash=$(EXPORTS_MAP_HASH) \
	-extldflags '-Wl,--version-script=$(CURDIR)/pgext/exports.map'
GO_SOURCES := $(shell find pgext fdw kt -name '*.go' -o -name '*.c' -o -name '*.h' 2>/dev/null)

.PHONY: all deps install installcheck unit e2e test clean demo bench vet check-symbols soak

all: $(MODULE)

deps:
	bash test/deps.sh

$(MODULE): $(GO_SOURCES) pgext/exports.map go.mod go.sum
	CGO_ENABLED=1 CGO_CFLAGS="$(EXT_CFLAGS)" CGO_LDFLAGS="$(EXT_LDFLAGS)" \
		$(GO) build -buildmode=c-shared -tags ktfdw_ext -trimpath \
		-ldflags "$(GO_LDFLAGS)" -o $@ ./pgext
	rm -f $(basename $@).h

install: $(MODULE)
	install -d $(DESTDIR)$(PG_PKGLIBDIR) $(DESTDIR)$(PG_SHAREDIR)/extension
	install -m 755 $(MODULE) $(DESTDIR)$(PG_PKGLIBDIR)/$(MODULE)
	install -m 644 $(EXTENSION).control sql/$(EXTENSION)--*.sql $(DESTDIR)$(PG_SHAREDIR)/extension/
	install -m 644 sql/kt_fdw.lua $(DESTDIR)$(PG_SHAREDIR)/extension/  # for ktserver -scr (apply 'atomic')

installcheck:
	bash test/regress.sh

# kt_fdw.so must export exactly the symbols of pgext/exports.map (DESIGN.md rule 8)
EXPORTED := Pg_magic_func _PG_init kt_fdw_handler kt_fdw_stats kt_fdw_validator kt_fdw_version \
	pg_finfo_kt_fdw_handler pg_finfo_kt_fdw_stats pg_finfo_kt_fdw_validator pg_finfo_kt_fdw_version \
	kt_fdw_disconnect kt_fdw_disconnect_all kt_fdw_server_stats \
	pg_finfo_kt_fdw_disconnect pg_finfo_kt_fdw_disconnect_all pg_finfo_kt_fdw_server_stats \
	kt_fdw_sync pg_finfo_kt_fdw_sync
check-symbols: $(MODULE)
	@got=$$(nm -D --defined-only $(MODULE) | awk '{print $$3}' | sort | tr '\n' ' '); \
	want=$$(echo $(EXPORTED) | tr ' ' '\n' | sort | tr '\n' ' '); \
	if [ "$$got" != "$$want" ]; then echo "check-symbols: exported: $$got; want: $$want" >&2; exit 1; fi; \
	echo "check-symbols: ok"

# cmd/ktfdw's tests need the installed extension (they skip without it)
unit:
	$(GO) test -timeout 20m ./kt/... ./fdw/... ./cmd/...

e2e:
	KT_FDW_REQUIRE_INSTALLED=1 $(GO) test -timeout 20m ./test/...

# bounded soak (issue 7): 8 pgbench clients, 3 KT restarts, then KT == Postgres,
# no crash, no memory growth; `make test` runs it for 30 s as part of e2e
SOAK_DURATION ?= 5m
soak: install
	$(GO) test ./test/soak -run Soak -count=1 -v -timeout 30m -soak-duration=$(SOAK_DURATION)

# the README's one test command
test: deps install check-symbols unit installcheck e2e

# vet the cgo layer with the flags it is built with
vet:
	$(GO) vet ./fdw/...
	CGO_CFLAGS="$(EXT_CFLAGS)" CGO_LDFLAGS="$(EXT_LDFLAGS)" $(GO) vet -tags ktfdw_ext ./pgext

demo: deps install
	$(GO) run ./cmd/ktfdw demo

# no `ktfdw bench` command yet: the client and dev-server benchmarks
# the issue-6 table (doc/performance.md; BENCH_ROWS, BENCH_RUNS, BENCH_PGBENCH_TIME
# size it), then the client and dev-server Go benchmarks
bench: deps install
	$(GO) run ./cmd/ktfdw bench
	$(GO) test -run '^$$' -bench . -benchmem ./kt/ ./kt/ktdev/

clean:
	rm -f $(MODULE) $(basename $(MODULE)).h
