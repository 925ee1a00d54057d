#include "plugins/version_loader.hpp"

#include <system_error>

namespace plugin_host {
namespace {

std::string describe(const PluginConfig& config) {
    return "plugin '" + config.name + "' (" + config.library.string() + ")";
}

/// Why there is no plugin file to load at `library`.
std::string no_file_at(const std::filesystem::path& library) {
    std::error_code error;
    const std::filesystem::file_status status = std::filesystem::status(library, error);
    if (std::filesystem::is_directory(status)) return "is a folder, not a plugin file: library must name the .so itself";
    if (std::filesystem::exists(status)) return "is not a regular file";
    return "no such file";
}

void refuse(ChangeStep& step, std::optional<FileSignature> signature, std::string reason) {
    step.outcome = ChangeOutcome::refused;
    step.refusal = std::move(reason);
    step.refused_signature = std::move(signature);
}

}  // namespace

VersionLoader::VersionLoader(const PluginTrust& trust, ShadowFolder& shadow_folder,
                             RegistrationThreads& registrations, PluginServices services,
                             Poco::Logger& logger)
    : trust_(trust),
      shadow_folder_(shadow_folder),
      registrations_(registrations),
      services_(std::move(services)),
      logger_(logger) {}

void VersionLoader::load(std::vector<ChangeStep>& steps) {
    std::vector<std::filesystem::path> images;
    for (ChangeStep& step : steps) {
        if (step.try_load) prepare(step, images);
    }
    start_loads(steps);
    for (const std::filesystem::path& image : images) {
        std::error_code ignored;
        std::filesystem::remove(image, ignored);  // mapped, or never to be: the mapping stays valid
    }
}

void VersionLoader::prepare(ChangeStep& step, std::vector<std::filesystem::path>& images) {
    const PluginConfig& config = step.config;
    const std::optional<FileSignature> signature = signature_of(config.library);
    if (!signature) return refuse(step, std::nullopt, describe(config) + ": " + no_file_at(config.library));
    if (!step.force && step.serving && *signature == step.serving_signature) {
        step.outcome = ChangeOutcome::unchanged;
        return;
    }

    const PluginTrust::Decision trusted = trust_.check(config.library);
    if (!trusted.refusal.empty()) return refuse(step, signature, describe(config) + ": " + trusted.refusal);
    const std::filesystem::path image_path = shadow_folder_.next_image(config.name);
    images.push_back(image_path);
    try {
        step.image = copy_plugin_image(trusted.file, image_path);
    } catch (const FileInMotion&) {
        refuse(step, std::nullopt, describe(config) + ": changed while it was being read; it is tried again once quiet");
        step.record_refusal = false;
        logger_.warning(step.refusal);
        return;
    } catch (const std::exception& error) {
        return refuse(step, signature, describe(config) + ": " + error.what());
    }
    if (!step.force && step.serving && step.image.fingerprint == step.serving_fingerprint) {
        step.outcome = ChangeOutcome::unchanged;  // touched or copied again, same content: keep serving
        step.same_content = true;
        return;
    }
    step.ready = true;
}

void VersionLoader::start_loads(std::vector<ChangeStep>& steps) {
    for (ChangeStep& step : steps) {
        if (!step.ready) continue;
        std::string no_thread;
        for (int attempt = 0; attempt < 2 && !step.pending; ++attempt) {
            try {
                step.pending = registrations_.start(step.config, step.image.path, step.generation, services_);
            } catch (const std::system_error& error) {
                no_thread = error.what();
                finish_loads(steps);  // their threads come free; then once more
            }
        }
        if (!step.pending) {
            step.ready = false;
            step.no_thread = no_thread;
            refuse(step, std::nullopt, describe(step.config) + ": cannot start a thread to load it: " + no_thread);
            step.record_refusal = false;  // nothing wrong with the file: tried again on the next change
            logger_.error(step.refusal);
        }
    }
    finish_loads(steps);
}

void VersionLoader::finish_loads(std::vector<ChangeStep>& steps) {
    for (ChangeStep& step : steps) {
        if (!step.pending) continue;
        RegistrationThreads::Result result = registrations_.wait(step.pending);
        step.pending.reset();
        step.ready = false;
        if (result.load) {
            step.incoming = std::move(result.load);
        } else {
            refuse(step, step.image.source, std::move(result.refusal));
        }
    }
}

}  // namespace plugin_host
