// The defender routes of Api: the list, the install bundle, the embed bundle and the binary.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "console/api.h"
#include "console/crypto_util.h"
#include "console/multipart.h"
#include "core/events.h"
#include "embed/bundle.h"

namespace defender::console {

namespace http = boost::beast::http;
using json = nlohmann::json;

namespace {

std::string self_exe() {
  std::error_code ec;
  const auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : path.string();
}

// The host of a Host header ("h", "h:port", "[v6]:port"); "" when absent.
std::string host_of(std::string_view header) {
  if (header.empty()) return "";
  if (header.front() == '[') {
    const std::size_t close = header.find(']');
    return close == std::string_view::npos ? "" : std::string(header.substr(0, close + 1));
  }
  return std::string(header.substr(0, header.find(':')));
}

bool read_limited(const std::string& path, std::size_t max, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  if (size < 0 || static_cast<std::size_t>(size) > max) return false;
  in.seekg(0);
  out.resize(static_cast<std::size_t>(size));
  return static_cast<bool>(in.read(out.data(), size));
}

// A private folder removed with what it holds when the object goes.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& parent) {
    std::filesystem::create_directories(parent);
    std::string pattern = parent + "/embed-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error(parent + ": cannot make a folder");
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

std::string Api::ws_address(const HttpRequest& request) const {
  if (!options_.public_ws_address.empty()) return options_.public_ws_address;
  std::string host = host_of(to_sv(request[http::field::host]));
  if (host.empty()) host = "localhost";
  return "wss://" + host + ":" + std::to_string(options_.defender_port);
}

std::string Api::bundle_text(const HttpRequest& request) const {
  const json bundle{{"ws_address", ws_address(request)},
                    {"ca_cert", options_.ca_cert_pem},
                    {"token", options_.defender_token}};
  return base64_encode(bundle.dump());
}

HttpResponse Api::list_defenders(const HttpRequest& request) {
  return json_response(request, 200, json{{"defenders", hub_.render_defenders(core::now_unix_ms())}});
}

HttpResponse Api::install_bundle(const HttpRequest& request) {
  return json_response(request, 200, json{{"bundle", bundle_text(request)},
                                          {"ws_address", ws_address(request)}});
}

HttpResponse Api::download_binary(const HttpRequest& request) {
  const embed::BinaryChoice binary = embed::choose_defender_binary(options_.defender_binary, self_exe());
  if (binary.path.empty()) return error_response(request, 503, binary.error);
  HttpResponse response{http::status::ok, request.version()};
  if (!read_limited(binary.path, options_.max_binary_bytes, response.body())) {
    return error_response(request, 500, "cannot read the defender binary");
  }
  response.set(http::field::content_type, "application/octet-stream");
  response.set(http::field::content_disposition, "attachment; filename=\"defender\"");
  response.keep_alive(request.keep_alive());
  response.prepare_payload();
  return response;
}

HttpResponse Api::embed(const HttpRequest& request) {
  const FormParseResult form = parse_multipart(to_sv(request[http::field::content_type]), request.body());
  if (!form.error.empty()) return error_response(request, 400, form.error);
  const FormPart* dockerfile = find_part(form.parts, "dockerfile");
  const FormPart* app_id = find_part(form.parts, "app_id");
  const FormPart* data_folder = find_part(form.parts, "data_folder");
  if (dockerfile == nullptr || app_id == nullptr) {
    return error_response(request, 400, "multipart fields 'dockerfile' and 'app_id' are required");
  }
  embed::BundleRequest bundle_request;
  bundle_request.dockerfile_text = dockerfile->data;
  bundle_request.dockerfile_name = dockerfile->filename.empty() ? "Dockerfile" : dockerfile->filename;
  bundle_request.options.app_id = app_id->data;
  if (data_folder != nullptr && !data_folder->data.empty()) bundle_request.options.data_folder = data_folder->data;
  bundle_request.options.console = ws_address(request);
  bundle_request.options.install_bundle = bundle_text(request);  // the CA and token
  // What the base image sets, when the Dockerfile does not say (as `defender embed`'s flags).
  for (auto [name, target] : {std::pair{"entrypoint", &bundle_request.options.base.entrypoint},
                              std::pair{"cmd", &bundle_request.options.base.cmd}}) {
    const FormPart* part = find_part(form.parts, name);
    if (part == nullptr || part->data.empty()) continue;
    embed::Argv argv;
    if (part->data != "null" && embed::parse_json_array(part->data, argv) != embed::JsonArray::kStrings) {
      return error_response(request, 400, std::string(name) + ": expected a JSON array of strings, e.g. [\"/app/run\"]");
    }
    *target = std::move(argv);
  }
  if (const FormPart* user = find_part(form.parts, "base_user"); user != nullptr && !user->data.empty()) {
    bundle_request.options.base.user = user->data;
  }
  if (auto problem = embed::validate_options(bundle_request.options)) {
    return error_response(request, 400, *problem);
  }
  const embed::BinaryChoice binary = embed::choose_defender_binary(options_.defender_binary, self_exe());
  if (binary.path.empty()) return error_response(request, 503, binary.error);
  bundle_request.defender_binary = binary.path;

  // The policy in the bundle is the console's current one for the app (or the default one);
  // the defender gets every later change over the channel.
  ScratchDir scratch(options_.data_folder + "/tmp");
  bundle_request.policy_path = scratch.path() + "/policy.yaml";
  {
    const auto record = hub_.policy_for(app_id->data);
    std::ofstream out(bundle_request.policy_path, std::ios::binary);
    out << (record ? record->text : "version: 1\napp_id: " + app_id->data + "\n");
    if (!out.flush()) return error_response(request, 500, "cannot write the policy");
  }
  embed::BundleResult made = embed::make_bundle(bundle_request);
  if (!made.bundle) {
    json messages = json::array();
    for (const auto& message : made.error.messages) messages.push_back(message);
    return json_response(request, made.error.status == 2 ? 400 : 500,
                         json{{"error", "cannot embed"}, {"errors", messages}});
  }
  HttpResponse response{http::status::ok, request.version()};
  response.body() = embed::bundle_zip_bytes(*made.bundle);
  response.set(http::field::content_type, "application/zip");
  response.set(http::field::content_disposition, "attachment; filename=\"rasp_embed.zip\"");
  response.keep_alive(request.keep_alive());
  response.prepare_payload();
  return response;
}

}  // namespace defender::console
