// The process group of a data-parallel run: which rank this process is, how many there are, and
// the few collectives data parallelism needs, on host buffers. Backed by MPI when the build found
// it (HG_WITH_MPI) and the process was started by mpirun; otherwise a group of one, where every
// collective is the identity, so code written for N ranks runs unchanged in one process.
//
// Contract: every rank calls the same collectives in the same order with the same sizes (as with
// MPI itself). A rank that dies ends the job: mpirun stops the others (its default error handler),
// so they never wait forever. Results are bit-identical on every rank (reduce to rank 0, then
// broadcast), so ranks that start equal stay equal.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

namespace hg::dist {

// Starts MPI when this process was launched by mpirun (Open MPI's or MPICH's environment), once;
// a no-op otherwise. finalize() ends it (also at exit).
void init(int* argc, char*** argv);
void finalize();

int rank();        // 0 .. size() - 1; 0 in a group of one
int size();        // 1 unless launched by mpirun with -np > 1
bool available();  // whether this build has MPI

// In place: every rank's buf becomes the element-wise sum over the ranks.
void allreduce_sum(float* buf, int64_t n);
void allreduce_sum(double* buf, int64_t n);
// Row sharding for scoring and embedding: this rank's contiguous rows [first, second) of n (rank
// order is row order), and every rank's rows x cols values concatenated in rank order, on every
// rank (`mine` holds this rank's share, row-major).
std::pair<int64_t, int64_t> row_share(int64_t n);
// (In one process, `mine` is returned as it is: no copy.)
std::vector<float> allgather_rows(std::vector<float> mine, int64_t n, int64_t cols);
std::vector<double> allgather_rows(std::vector<double> mine, int64_t n, int64_t cols);
// Rank `root`'s bytes to every rank.
void broadcast(void* buf, int64_t bytes, int root = 0);

}  // namespace hg::dist
