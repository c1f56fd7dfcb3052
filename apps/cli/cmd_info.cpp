// hourglass info: what this build can do on this machine.
#include <iostream>
#include <thread>

#include "apps/cli/commands.h"
#include "engine/dist/comm.h"
#include "engine/host/gemm.h"
#include "engine/host/parallel.h"
#include "engine/ops/kernel_select.h"
#include "engine/tensor/device_select.h"

namespace hg::cli {

Action add_info(CLI::App& app) {
  auto json_out = std::make_shared<bool>(false);
  app.add_flag("--json", *json_out, "Print a JSON summary as the last line");
  return [json_out]() {
    nlohmann::json j;
    j["version"] = HG_VERSION;
    j["cuda_built"] = cuda_built();
    j["cuda_training"] = cuda_training_supported();
    j["threads"] = host::num_threads();
    j["hardware_threads"] = std::thread::hardware_concurrency();
    j["cpu_gemm_microkernel"] = host::gemm_microkernel_name();
    j["avx512_bf16"] = host::gemm_bf16_supported();  // --gemm hg-bf16 works
    nlohmann::json devs = nlohmann::json::array();
    std::string gpu_statement;
    std::string why;
    for (const auto& d : gpu_devices(&why))
      devs.push_back(
          {{"index", d.index},
           {"name", d.name},
           {"memory_bytes", d.total_bytes},
           {"free_bytes", d.free_bytes},
           {"compute_capability", std::to_string(d.cc_major) + "." + std::to_string(d.cc_minor)},
           {"sm_count", d.sm_count}});
    gpu_statement = devs.empty() ? why : std::to_string(devs.size()) + " CUDA device(s) found";
    j["devices"] = devs;
    j["gemm_kernels"] = ops::gemm_kernel_names();
    j["conv_algos"] = ops::conv_algo_names();
    j["gpu"] = gpu_statement;
    j["mpi"] = dist::available();  // mpirun -np N hourglass train: data-parallel training
    j["ranks"] = dist::size();
    j["nccl"] = false;  // GPU ranks would all-reduce through NCCL: not wired in yet
    if (*json_out) {
      std::cout << j.dump() << std::endl;
      return 0;
    }
    std::cout << "hourglass " << HG_VERSION << "\n"
              << "CUDA backend built: " << (cuda_built() ? "yes" : "no") << "\n"
              << "GPU: " << gpu_statement << "\n";
    for (const auto& d : devs)
      std::cout << "  cuda:" << d["index"].get<int>() << " " << d["name"].get<std::string>() << ", "
                << d["memory_bytes"].get<size_t>() / (1 << 20) << " MiB, compute capability "
                << d["compute_capability"].get<std::string>() << "\n";
    std::cout << "CPU threads: " << host::num_threads() << "\n"
              << "CPU GEMM micro-kernel: " << host::gemm_microkernel_name()
              << (host::gemm_bf16_supported() ? " (AVX-512 BF16 too: --gemm hg-bf16)" : "") << "\n";
    std::cout << "GEMM kernels (--gemm):";
    for (const auto& n : ops::gemm_kernel_names()) std::cout << " " << n;
    std::cout << "\nConvolution algorithms (--conv):";
    for (const auto& n : ops::conv_algo_names()) std::cout << " " << n;
    std::cout << "\nData-parallel training (mpirun -np N hourglass train): "
              << (dist::available() ? "MPI, CPU ranks" : "no (built without MPI)")
              << "; this process is rank " << dist::rank() << " of " << dist::size() << "\n";
    return 0;
  };
}

}  // namespace hg::cli
