#include "tests/console/console_support.h"

#include <signal.h>

#include <filesystem>
#include <fstream>

namespace defender::console::testing {

using defender::testing::Process;

ConsoleProcess::ConsoleProcess(const std::string& data_folder, std::uint16_t api_port,
                               std::uint16_t defender_port, const std::vector<std::string>& extra)
    : data_folder_(data_folder), api_port_(api_port), defender_port_(defender_port) {
  std::filesystem::create_directories(data_folder);
  const std::string password_file = data_folder + "/../admin-password";
  std::ofstream(password_file) << kAdminPassword << "\n";
  std::vector<std::string> argv = {defender::testing::defender_bin(), "console",
                                   "--api-listen", "127.0.0.1:" + std::to_string(api_port),
                                   "--defender-listen", "127.0.0.1:" + std::to_string(defender_port),
                                   "--data-folder", data_folder,
                                   "--admin-password-file", password_file};
  argv.insert(argv.end(), extra.begin(), extra.end());
  process_ = std::make_unique<Process>(argv);
  ready_ = process_->wait_for_output("console: API", std::chrono::seconds(30)) &&
           defender::testing::wait_for_tcp_port(api_port) &&
           defender::testing::wait_for_tcp_port(defender_port);
}

void ConsoleProcess::stop() {
  if (process_ && process_->running()) {
    process_->signal(SIGTERM);
    process_->wait(std::chrono::seconds(10));
  }
}

HttpResult https(std::uint16_t port, const std::string& ca_file, const std::string& path,
                 const std::vector<std::string>& args) {
  defender::testing::TempDir scratch;
  const std::string headers = scratch.path() + "/headers";
  std::vector<std::string> argv = {"curl", "-sS", "--max-time", "60", "--cacert", ca_file,
                                   "-D", headers, "-o", scratch.path() + "/body",
                                   "-w", "%{http_code}"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("https://127.0.0.1:" + std::to_string(port) + path);
  const auto run = defender::testing::run(argv, std::chrono::seconds(90));
  HttpResult result;
  try {
    result.status = std::stoi(run.out);
  } catch (const std::exception&) {
    result.status = 0;
  }
  std::ifstream body(scratch.path() + "/body", std::ios::binary);
  result.body.assign(std::istreambuf_iterator<char>(body), {});
  std::ifstream head(headers, std::ios::binary);
  result.headers.assign(std::istreambuf_iterator<char>(head), {});
  return result;
}

std::vector<std::string> as_admin(std::vector<std::string> more) {
  more.insert(more.begin(), {"-u", std::string("admin:") + kAdminPassword});
  return more;
}

}  // namespace defender::console::testing
