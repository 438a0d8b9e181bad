// kc_accept_bulk.cc: checks with Kyoto Cabinet itself (the library under
// ktserver) what sql/kt_fdw.lua relies on, for every database type KT
// serves: accept_bulk visits the listed keys in list order, duplicates
// included; values returned in the second pass are written; a concurrent
// writer of a listed key waits until accept_bulk returns; a transaction
// around it commits. Built and run by kt/ktscript's TestKyotoCabinetAcceptBulk
// when libkyotocabinet-dev and g++ are installed.
#include <kcpolydb.h>
#include <unistd.h>
#include <cstdio>
#include <string>
#include <vector>
#include <thread>
#include <atomic>
using namespace kyotocabinet;

static int fails = 0;
#define CHECK(c, ...) do { if (!(c)) { fails++; std::printf("FAIL %s: ", path); std::printf(__VA_ARGS__); std::printf("\n"); } } while (0)

struct Rec : public DB::Visitor {
  std::vector<std::string> seen;
  size_t n;
  bool write;
  explicit Rec(size_t n, bool write) : n(n), write(write) {}
  std::string buf;
  const char* visit_full(const char* k, size_t ks, const char* v, size_t vs, size_t* sp) {
    seen.push_back(std::string(k, ks) + "=" + std::string(v, vs));
    return out(k, ks, sp);
  }
  const char* visit_empty(const char* k, size_t ks, size_t* sp) {
    seen.push_back(std::string(k, ks) + "=<absent>");
    return out(k, ks, sp);
  }
  const char* out(const char* k, size_t ks, size_t* sp) {
    if (!write || seen.size() <= n) return NOP;
    buf = "new-" + std::string(k, ks);
    *sp = buf.size();
    return buf.data();
  }
};

// Slow marks that the locks are held (first visit), then dawdles.
struct Slow : public DB::Visitor {
  std::atomic<bool>* started;
  double lastVisitEnd = 0;
  const char* visit_full(const char*, size_t, const char*, size_t, size_t*) { return visit(); }
  const char* visit_empty(const char*, size_t, size_t*) { return visit(); }
  const char* visit() {
    started->store(true);
    usleep(50000);
    lastVisitEnd = time();
    return NOP;
  }
};

static void check(const char* path) {
  PolyDB db;
  if (!db.open(path, PolyDB::OWRITER | PolyDB::OCREATE | PolyDB::OTRUNCATE)) { std::printf("open %s: %s\n", path, db.error().name()); fails++; return; }
  db.set("a", "1"); db.set("b", "2");
  std::vector<std::string> keys = {"c", "a", "b", "c", "a", "b"};
  Rec rec(3, true);
  CHECK(db.begin_transaction(), "begin_transaction");
  CHECK(db.accept_bulk(keys, &rec, true), "accept_bulk");
  CHECK(db.end_transaction(true), "end_transaction");
  std::vector<std::string> want = {"c=<absent>", "a=1", "b=2", "c=<absent>", "a=1", "b=2"};
  CHECK(rec.seen == want, "visit order: got %zu visits", rec.seen.size());
  std::string v;
  CHECK(db.get("c", &v) && v == "new-c", "c written");
  CHECK(db.get("a", &v) && v == "new-a", "a written");

  // a writer of a listed key, started once accept_bulk holds the locks,
  // finishes only after accept_bulk returns
  std::atomic<bool> started(false);
  double writerEnd = 0;
  std::thread w([&] {
    while (!started.load()) usleep(1000);
    db.set("b", "other");
    writerEnd = time();
  });
  Slow slow;
  slow.started = &started;
  std::vector<std::string> k2 = {"a", "b", "a", "b"};
  db.accept_bulk(k2, &slow, true);
  w.join();
  double bulkEnd = slow.lastVisitEnd;
  CHECK(writerEnd >= bulkEnd, "writer finished %.3fs before accept_bulk", bulkEnd - writerEnd);
  std::printf("%s: %zu visits, writer waited: %s\n", path, rec.seen.size(), writerEnd >= bulkEnd ? "yes" : "NO");
  db.close();
}

int main(int argc, char** argv) {
  // argv[1]: a scratch directory for the file databases
  std::string dir = argc > 1 ? argv[1] : "/tmp";
  std::string kch = dir + "/check.kch", kct = dir + "/check.kct";
  const char* paths[] = {"*", "%", ":", kch.c_str(), kct.c_str()};
  for (const char* p : paths) check(p);
  std::printf("%d failures\n", fails);
  return fails ? 1 : 0;
}
