// The process group: MPI when built with it and launched by mpirun, else a group of one.
#include "engine/dist/comm.h"

#include <cstdlib>
#include <vector>

#include "engine/util/error.h"

#ifdef HG_WITH_MPI
#include <mpi.h>
#endif

namespace hg::dist {

namespace {

// mpirun (Open MPI) or mpiexec (MPICH, Hydra) sets these in every rank's environment.
bool launched_by_mpirun() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(v)) return true;
  return false;
}

// Rank r's contiguous rows [first, second) of n over w ranks (rank order is row order).
std::pair<int64_t, int64_t> share_of(int64_t n, int64_t r, int64_t w) {
  return {n * r / w, n * (r + 1) / w};
}

#ifdef HG_WITH_MPI
bool g_started = false;

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS)
    throw Error(std::string("MPI ") + what + " failed (code " + std::to_string(rc) + ")");
}

// The sum over the ranks, with the same bits on every rank. MPI counts are int: long buffers go
// in pieces.
template <class T>
void sum_with_equal_bits(T* buf, int64_t n, MPI_Datatype type) {
  constexpr int64_t kPiece = int64_t(1) << 28;
  for (int64_t off = 0; off < n; off += kPiece) {
    const int count = static_cast<int>(std::min(kPiece, n - off));
    if (size() == 2) {  // a + b == b + a exactly: one allreduce gives both ranks the same bits
      check(MPI_Allreduce(MPI_IN_PLACE, buf + off, count, type, MPI_SUM, MPI_COMM_WORLD),
            "allreduce");
      continue;
    }
    // Reduce to rank 0, then broadcast: every rank gets rank 0's bits, whatever the algorithm.
    if (rank() == 0)
      check(MPI_Reduce(MPI_IN_PLACE, buf + off, count, type, MPI_SUM, 0, MPI_COMM_WORLD), "reduce");
    else
      check(MPI_Reduce(buf + off, nullptr, count, type, MPI_SUM, 0, MPI_COMM_WORLD), "reduce");
    check(MPI_Bcast(buf + off, count, type, 0, MPI_COMM_WORLD), "broadcast");
  }
}
#endif

}  // namespace

void init(int* argc, char*** argv) {
#ifdef HG_WITH_MPI
  if (g_started || !launched_by_mpirun()) return;
  int provided = 0;
  check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "init");
  g_started = true;
  std::atexit(finalize);
#else
  (void)argc, (void)argv;
#endif
}

void finalize() {
#ifdef HG_WITH_MPI
  int done = 0;
  MPI_Finalized(&done);
  if (g_started && !done) MPI_Finalize();
#endif
}

int rank() {
#ifdef HG_WITH_MPI
  if (g_started) {
    int r = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
  }
#endif
  return 0;
}

int size() {
#ifdef HG_WITH_MPI
  if (g_started) {
    int s = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &s);
    return s;
  }
#endif
  return 1;
}

bool available() {
#ifdef HG_WITH_MPI
  return true;
#else
  return false;
#endif
}

void allreduce_sum(float* buf, int64_t n) {
#ifdef HG_WITH_MPI
  if (size() > 1) sum_with_equal_bits(buf, n, MPI_FLOAT);
#else
  (void)buf, (void)n;
#endif
}

void allreduce_sum(double* buf, int64_t n) {
#ifdef HG_WITH_MPI
  if (size() > 1) sum_with_equal_bits(buf, n, MPI_DOUBLE);
#else
  (void)buf, (void)n;
#endif
}

std::pair<int64_t, int64_t> row_share(int64_t n) { return share_of(n, rank(), size()); }

namespace {

template <class T>
std::vector<T> gather_in_rank_order(std::vector<T> mine, int64_t n, int64_t cols) {
  if (size() == 1) return mine;
  std::vector<T> all(static_cast<size_t>(n * cols));
#ifdef HG_WITH_MPI
  const int w = size();
  std::vector<int> counts(w), offsets(w);
  for (int r = 0; r < w; ++r) {
    const auto [lo, hi] = share_of(n, r, w);
    counts[r] = static_cast<int>((hi - lo) * cols);
    offsets[r] = static_cast<int>(lo * cols);
  }
  if (static_cast<int64_t>(mine.size()) != counts[rank()])
    throw Error("allgather_rows: this rank holds " + std::to_string(mine.size()) +
                " values, its share is " + std::to_string(counts[rank()]));
  const MPI_Datatype type = sizeof(T) == 4 ? MPI_FLOAT : MPI_DOUBLE;
  check(MPI_Allgatherv(mine.data(), counts[rank()], type, all.data(), counts.data(), offsets.data(),
                       type, MPI_COMM_WORLD),
        "allgather");
#endif
  return all;
}

}  // namespace

std::vector<float> allgather_rows(std::vector<float> mine, int64_t n, int64_t cols) {
  return gather_in_rank_order(std::move(mine), n, cols);
}
std::vector<double> allgather_rows(std::vector<double> mine, int64_t n, int64_t cols) {
  return gather_in_rank_order(std::move(mine), n, cols);
}

void broadcast(void* buf, int64_t bytes, int root) {
#ifdef HG_WITH_MPI
  if (size() == 1) return;
  constexpr int64_t kPiece = int64_t(1) << 30;
  auto* p = static_cast<char*>(buf);
  for (int64_t off = 0; off < bytes; off += kPiece)
    check(MPI_Bcast(p + off, static_cast<int>(std::min(kPiece, bytes - off)), MPI_BYTE, root,
                    MPI_COMM_WORLD),
          "broadcast");
#else
  (void)buf, (void)bytes, (void)root;
#endif
}

}  // namespace hg::dist
